"""A local append-only file of clicks answered before their commit; survives a killed process.

The click writer (links.writer) lets a redirect go without waiting for the database while a
commit is running: the click is copied here first, one line into a shared memory map of the
current segment file, and the 302 is sent once the copy is done. That is no system call and
never lets go of the GIL (an `os.write` per click did, and under load the event loop then
waited milliseconds for the writer thread to hand the GIL back). A shared file mapping writes
straight into the kernel's page cache, which keeps what a process wrote when the process is
killed (SIGKILL, OOM, crash), so the click survives the process; it does not survive a power
loss or a kernel crash before the page cache reaches the disk, which is the same promise
SQLite's own commits make with `synchronous=NORMAL` in WAL mode (no fsync per commit).

Files: `<dir>/<host>-<pid>-<n>.journal`, one process writing each, held under an exclusive
`flock` for as long as the process lives (the kernel drops the lock when it dies). A segment is
created under a temporary name and renamed once locked, so no other process sees it unlocked.
Segments are created at their full size (zeros; a line never holds a zero byte) and are
deleted, or zeroed, once every click in them is committed. At start-up a writer
takes every segment whose lock it can get (its writer died) and replays it: clicks carry their
id, so a click that was committed before the crash is not stored twice.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import mmap
import os
import socket
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)

SUFFIX = ".journal"
SEGMENT_BYTES = 8 * 2**20


class ClickJournal:
    """This process's journal: the current segment and older ones not yet fully committed.

    Used from the event loop's thread only. Segment numbers grow; a record's segment number
    tells the writer which files it may delete once that record is committed.
    """

    def __init__(self, directory: Path, *, segment_bytes: int = SEGMENT_BYTES) -> None:
        self._directory = directory
        self._segment_bytes = segment_bytes
        self._prefix = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self._segments: dict[int, Segment] = {}  # oldest first
        self._kept: set[int] = set()
        self._current = -1
        self._map = mmap.mmap(-1, 1)
        self._size = 0

    @property
    def current(self) -> int:
        return self._current

    def open(self) -> None:
        self._directory.mkdir(parents=True, exist_ok=True)
        self._rotate()

    def append(self, line: bytes) -> int:
        """Copy one record line in; returns its segment number (the kernel holds the line)."""
        end = self._size + len(line)
        if end > self._segment_bytes or self._current in self._kept:
            if len(line) > self._segment_bytes:
                raise ValueError(f"a journal line of {len(line)} bytes does not fit a segment")
            self._rotate()
            end = len(line)
        self._map[self._size : end] = line
        self._size = end
        return self._current

    def committed_before(self, segment: int) -> None:
        """Every record of segments older than `segment` is committed: delete those files."""
        for number in [n for n in self._segments if n < segment and n not in self._kept]:
            self._segments.pop(number).delete()

    def all_committed(self) -> None:
        """Nothing journaled is waiting: delete older segments, zero the current one."""
        self.committed_before(self._current)
        if self._size and self._current not in self._kept:
            self._map[: self._size] = bytes(self._size)
            self._size = 0

    def keep(self, segment: int) -> None:
        """A record of `segment` could not be committed: leave the file for the next start."""
        if segment not in self._kept:
            logger.warning("journal segment %d kept for replay at the next start", segment)
        self._kept.add(segment)

    def close(self) -> None:
        """Delete the committed segments and unlock the kept ones (called after a full drain)."""
        for number, segment in list(self._segments.items()):
            if number in self._kept:
                segment.close()
            else:
                segment.delete()
        self._segments.clear()

    def _rotate(self) -> None:
        self._current += 1
        path = self._directory / f"{self._prefix}-{self._current}{SUFFIX}"
        temporary = path.with_suffix(".new")
        fd = os.open(temporary, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        # Blocks allocated now, not by a page fault on the event loop's thread later.
        os.posix_fallocate(fd, 0, self._segment_bytes)
        segment = Segment(path, fd, mmap.mmap(fd, self._segment_bytes))
        temporary.rename(path)
        self._segments[self._current] = segment
        self._map, self._size = segment.map, 0


@dataclass(frozen=True, slots=True)
class Segment:
    path: Path
    fd: int
    map: mmap.mmap

    def close(self) -> None:
        self.map.close()
        os.close(self.fd)

    def delete(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        self.close()


@contextlib.contextmanager
def orphaned(directory: Path) -> Iterator[list[tuple[Path, bytes]]]:
    """The segments no living process holds, with their contents, locked by this process.

    The caller writes their records; when the block exits without an exception the files are
    deleted, otherwise they are only unlocked and wait for the next start.
    """
    taken: list[tuple[Path, int, bytes]] = []
    try:
        for path in sorted(directory.glob(f"*{SUFFIX}")) if directory.is_dir() else []:
            try:
                fd = os.open(path, os.O_RDONLY)
            except FileNotFoundError:
                continue  # replayed and deleted by another process meanwhile
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)  # its writer is alive
                continue
            taken.append((path, fd, _read_all(fd)))
        yield [(path, data) for path, _, data in taken]
        for path, _, _ in taken:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
    finally:
        for _, fd, _ in taken:
            os.close(fd)


def _read_all(fd: int) -> bytes:
    chunks = []
    while chunk := os.read(fd, 2**20):
        chunks.append(chunk)
    return b"".join(chunks)
