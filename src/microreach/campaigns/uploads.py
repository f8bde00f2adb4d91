"""Draft media on disk: size and type checked on the bytes, stored under <data dir>/uploads."""

from __future__ import annotations

import os
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from microreach.config import Settings
from microreach.kit.errors import InvalidError, NotFoundError

UPLOADS_DIR_NAME = "uploads"
CHUNK = 1024 * 1024
NAME_MAX = 200
_EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "image/gif": "gif",
    "video/mp4": "mp4",
    "video/quicktime": "mov",
}


@dataclass(frozen=True, slots=True)
class StoredMedia:
    path: str  # relative to the uploads directory
    media_type: str
    size: int
    name: str


def sniff(head: bytes) -> str | None:
    """The media type the first bytes of a file announce, or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head[4:8] == b"ftyp":
        return "video/quicktime" if head[8:10] == b"qt" else "video/mp4"
    return None


def allowed_types(settings: Settings) -> list[str]:
    return [t.strip() for t in settings.upload_media_types.split(",") if t.strip()]


def uploads_dir(settings: Settings) -> Path:
    return settings.data_dir / UPLOADS_DIR_NAME


def store(
    settings: Settings, organisation_id: uuid.UUID, name: str, stream: BinaryIO
) -> StoredMedia:
    """Copy an upload into the organisation's folder; InvalidError, and nothing kept, when it
    is larger than MICROREACH_UPLOAD_MAX_BYTES or not one of MICROREACH_UPLOAD_MEDIA_TYPES."""
    limit = settings.upload_max_bytes
    folder = uploads_dir(settings) / organisation_id.hex
    folder.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".upload-")
    try:
        size, head = _copy(stream, handle, limit)
        media_type = sniff(head)
        allowed = allowed_types(settings)
        if media_type not in allowed:
            raise InvalidError(
                f"{name or 'The file'} is not an accepted media file; accepted: "
                f"{', '.join(allowed)}.",
                field="media",
            )
        final = folder / f"{uuid.uuid4().hex}.{_EXTENSIONS.get(media_type or '', 'bin')}"
        Path(temporary).replace(final)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    clean = Path(name).name.strip()[:NAME_MAX] or final.name
    return StoredMedia(str(final.relative_to(uploads_dir(settings))), media_type or "", size, clean)


def _copy(stream: BinaryIO, handle: int, limit: int) -> tuple[int, bytes]:
    size, head = 0, b""
    with os.fdopen(handle, "wb") as out:
        while chunk := stream.read(CHUNK):
            size += len(chunk)
            if size > limit:
                raise InvalidError(
                    f"The file is larger than the {limit:,} bytes a draft may carry.",
                    field="media",
                )
            if len(head) < 16:
                head = (head + chunk)[:16]
            out.write(chunk)
    if size == 0:
        raise InvalidError("The file is empty.", field="media")
    return size, head


def path_of(settings: Settings, relative: str) -> Path:
    base = uploads_dir(settings).resolve()
    path = (base / relative).resolve()
    if base not in path.parents or not path.is_file():
        raise NotFoundError("The file of this draft is gone.")
    return path
