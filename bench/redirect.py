"""Benchmark the redirect path against a bare ASGI app that answers 302, in the same run.

Starts microreach's redirect app (`create_redirect_app`, uvicorn, one process) on a fresh SQLite
database holding 1,000 links, and a bare ASGI app that returns 302 to every request on the same
server software and options; drives each with wrk (1 thread, 32 connections, 10 s, a browser
user agent) over one link and over 1,000 links (a random slug per request), and prints requests
per second, p50 and p99 latency, 302 responses, clicks recorded in the database once the
writer has caught up (and how long that took after the load), the server's CPU time per
request, the ratio to the bare app and the peak resident memory of the server. The
1,000-link run sends each slug from its own client address (X-Forwarded-For, which uvicorn
trusts from 127.0.0.1), so countries, visitor hashes and uniques are worked out for 1,000
visitors. The microreach server serves both runs, so its memory after the second run shows
whether it grows.

Targets (issue 4, embedded profile): at least 40% of the bare app, p99 under 10 ms, clicks
recorded == 302 responses (plus at most the requests in flight when wrk stopped), under 300 MB.

    python bench/redirect.py [--duration 10] [--connections 32] [--links 1000]

Needs wrk: `apt-get install wrk` (Debian/Ubuntu) or `brew install wrk` (macOS).
PostgreSQL instead of SQLite: MICROREACH_BENCH_DATABASE_URL=postgresql+psycopg://... (an
empty database).

Scale profile (`--profile scale`, needs MICROREACH_BENCH_DATABASE_URL on PostgreSQL and Redis):
the redirect hands clicks to the Redis stream (`MICROREACH_CLICK_TRANSPORT=redis`) and one
`microreach click-worker` process writes them to PostgreSQL; clicks are counted once the
stream is drained.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import psutil
import redis
import sqlalchemy as sa

from microreach.accounts.models import Organisation
from microreach.db import migrate
from microreach.db import models as _all_models  # noqa: F401  (every table in the metadata)
from microreach.db.engine import make_engine
from microreach.links.models import Link
from microreach.links.stream import STREAM

BROWSER_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
BARE_APP = """
async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 302, "headers": [
        (b"location", b"https://shop.example.com/?mr_cid=0"), (b"cache-control", b"no-store"),
        (b"content-length", b"0")]})
    await send({"type": "http.response.body", "body": b""})
"""
UVICORN_OPTIONS = ["--workers", "1", "--log-level", "warning", "--no-access-log"]
# Requests are built once (wrk.format per request would make wrk the bottleneck); each carries
# its own client address in X-Forwarded-For (uvicorn trusts it from 127.0.0.1), so countries,
# visitor hashes and uniques are computed for 1,000 different visitors, not one.
RANDOM_SLUGS_LUA = """
slugs = {%s}
requests = {}
init = function(args)
  for i, slug in ipairs(slugs) do
    local ip = string.format("%%d.%%d.%%d.%%d", 20 + i %% 180, i * 7 %% 256, i * 13 %% 256,
                             1 + i %% 250)
    requests[i] = wrk.format("GET", "/" .. slug, {["X-Forwarded-For"] = ip})
  end
end
request = function()
  return requests[math.random(#requests)]
end
"""


@dataclass
class Result:
    name: str
    requests: int
    rps: float
    p50_ms: float
    p99_ms: float
    non_3xx: int
    peak_mb: float
    cpu_us: float = float("nan")  # server CPU (user + system) per request, microseconds
    worker_us: float = float("nan")  # the click worker's CPU per click (scale profile)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def seed_links(url: str, count: int) -> list[str]:
    """A fresh schema with one organisation and `count` links; returns their slugs."""
    engine = make_engine(url)
    migrate.upgrade(engine)
    now = datetime.now(UTC)
    organisation_id = uuid.uuid4()
    slugs = [f"b{n:06d}" for n in range(count)]
    with engine.begin() as connection:
        connection.execute(
            sa.insert(Organisation).values(
                id=organisation_id, name="Bench", slug="bench", created_at=now
            )
        )
        connection.execute(
            sa.insert(Link),
            [
                {
                    "id": uuid.uuid4(),
                    "organisation_id": organisation_id,
                    "slug": slug,
                    "destination": f"https://shop.example.com/p/{n}",
                    "utm_source": "instagram",
                    "utm_medium": "influencer",
                    "utm_content": f"creator{n}",
                    "enabled": True,
                    "created_at": now,
                    "updated_at": now,
                }
                for n, slug in enumerate(slugs)
            ],
        )
    engine.dispose()
    return slugs


def count_clicks(url: str) -> int:
    engine = make_engine(url)
    with engine.connect() as connection:
        total = connection.exec_driver_sql("SELECT count(*) FROM clicks").scalar_one()
    engine.dispose()
    return int(total)


class Server:
    """A uvicorn process; `peak_mb` is its peak resident memory so far.

    On Linux the kernel keeps each process's peak (VmHWM in /proc/PID/status), read when asked:
    polling the process tree from this process during the load took some 8% of a CPU from
    the servers it measures. Elsewhere a thread samples the resident memory every 0.1 s.
    """

    def __init__(self, target: list[str], env: dict[str, str], cwd: Path) -> None:
        self.port = free_port()
        command = [sys.executable, "-m", "uvicorn", *target, "--port", str(self.port)]
        self.process = subprocess.Popen([*command, *UVICORN_OPTIONS], env=env, cwd=cwd)
        self._sampled_mb = 0.0
        self._stop = threading.Event()
        self._wait_ready()
        self._kernel_peak = Path(f"/proc/{self.process.pid}/status").exists()
        if not self._kernel_peak:
            threading.Thread(target=self._sample, daemon=True).start()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"server exited with {self.process.returncode}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.1)
        raise SystemExit("server did not start within 30 s")

    def cpu_seconds(self) -> float:
        """User + system CPU the server's processes used so far (read once; no polling)."""
        return sum(cpu_seconds(process) for process in self._tree())

    def _tree(self) -> list[psutil.Process]:
        root = psutil.Process(self.process.pid)
        return [root, *root.children(recursive=True)]

    @property
    def peak_mb(self) -> float:
        if not self._kernel_peak:
            return self._sampled_mb
        total_kb = 0
        for process in self._tree():
            status = Path(f"/proc/{process.pid}/status").read_text()
            match = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
            total_kb += int(match.group(1)) if match else 0
        return total_kb / 1024

    def _sample(self) -> None:
        tree = self._tree()
        while not self._stop.is_set():
            try:
                rss = sum(p.memory_info().rss for p in tree if p.is_running()) / 2**20
                self._sampled_mb = max(self._sampled_mb, rss)
            except psutil.Error:
                tree = self._tree()
            time.sleep(0.1)

    def stop(self) -> None:
        self._stop.set()
        self.process.terminate()
        self.process.wait(timeout=30)


def cpu_seconds(process: psutil.Process) -> float:
    times = process.cpu_times()
    return float(times.user + times.system)


def run_wrk(port: int, path: str, lua: Path | None, seconds: int, connections: int) -> Result:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency"]
    command += ["-H", f"User-Agent: {BROWSER_UA}"]
    if lua is not None:
        command += ["-s", str(lua)]
    output = subprocess.run(
        [*command, f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True, check=True
    ).stdout
    return parse_wrk(output)


def parse_wrk(output: str) -> Result:
    def latency(label: str) -> float:
        match = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE)
        if not match:
            return float("nan")
        scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[match.group(2)]
        return float(match.group(1)) * scale

    requests = re.search(r"(\d+) requests in", output)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return Result(
        name="",
        requests=int(requests.group(1)) if requests else 0,
        rps=float(rps.group(1)) if rps else 0.0,
        p50_ms=latency("50"),
        p99_ms=latency("99"),
        non_3xx=int(errors.group(1)) if errors else 0,
        peak_mb=0.0,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--links", type=int, default=1000)
    parser.add_argument("--profile", choices=("embedded", "scale"), default="embedded")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/12")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk not found: apt-get install wrk (Debian/Ubuntu), brew install wrk")

    with tempfile.TemporaryDirectory(prefix="mr-bench-redirect-") as tmp:
        root = Path(tmp)
        url = os.environ.get("MICROREACH_BENCH_DATABASE_URL") or f"sqlite:///{root / 'bench.db'}"
        slugs = seed_links(url, args.links)
        lua = root / "random_slugs.lua"
        lua.write_text(RANDOM_SLUGS_LUA % ", ".join(f'"{slug}"' for slug in slugs))
        (root / "bare_app.py").write_text(BARE_APP)
        # Tuning settings (MICROREACH_CLICK_BATCH_SIZE, ...) pass through; storage does not.
        dropped: tuple[str, ...] = ("MICROREACH_DATABASE_URL", "MICROREACH_DATA_DIR")
        dropped += ("MICROREACH_BENCH_", "MICROREACH_TEST_")
        env = {key: value for key, value in os.environ.items() if not key.startswith(dropped)}
        env |= {"MICROREACH_DATA_DIR": str(root / "data"), "MICROREACH_DATABASE_URL": url}
        worker: subprocess.Popen[bytes] | None = None
        if args.profile == "scale":
            if not url.startswith("postgresql"):
                raise SystemExit("--profile scale needs MICROREACH_BENCH_DATABASE_URL=postgresql…")
            redis.Redis.from_url(args.redis_url).delete(STREAM)
            env |= {"MICROREACH_REDIS_URL": args.redis_url, "MICROREACH_CLICK_TRANSPORT": "redis"}
            worker = subprocess.Popen(
                [sys.executable, "-m", "microreach", "click-worker"], env=env, cwd=Path.cwd()
            )
        runs = (("1 link", f"/{slugs[0]}", None), (f"{args.links} links", "/", lua))

        # Both servers run side by side and each microreach run is followed at once by the
        # bare run of the same load, so a busy machine skews both halves of a ratio alike.
        results: list[tuple[Result, Result, int, float]] = []
        server = Server(
            ["--factory", "microreach.links.redirect:create_redirect_app"], env, Path.cwd()
        )
        bare = Server(["bare_app:app"], env, root)
        clicks_before = 0
        try:
            for name, path, script in runs:
                used = server.cpu_seconds()
                worker_used = cpu_seconds(psutil.Process(worker.pid)) if worker else 0.0
                mine = run_wrk(server.port, path, script, args.duration, args.connections)
                mine.cpu_us = per_request_us(server.cpu_seconds() - used, mine.requests)
                mine.name, mine.peak_mb = name, server.peak_mb
                stopped = time.monotonic()
                if worker is not None:
                    drain(args.redis_url)
                clicks = settled_clicks(url) - clicks_before
                if worker is not None:
                    worker_used = cpu_seconds(psutil.Process(worker.pid)) - worker_used
                    mine.worker_us = per_request_us(worker_used, clicks)
                caught_up = time.monotonic() - stopped
                clicks_before += clicks
                used = bare.cpu_seconds()
                baseline = run_wrk(bare.port, path, script, args.duration, args.connections)
                baseline.cpu_us = per_request_us(bare.cpu_seconds() - used, baseline.requests)
                baseline.name, baseline.peak_mb = name, bare.peak_mb
                results.append((mine, baseline, clicks, caught_up))
        finally:
            server.stop()
            bare.stop()
            if worker is not None:
                worker.terminate()
                worker.wait(timeout=30)
    report(results, url, args.profile)


def per_request_us(seconds: float, requests: int) -> float:
    return seconds / requests * 1e6 if requests else float("nan")


def settled_clicks(url: str, timeout: float = 60.0) -> int:
    """The click count once the writer has caught up (it stopped growing for 0.5 s)."""
    deadline = time.monotonic() + timeout
    last = count_clicks(url)
    while time.monotonic() < deadline:
        time.sleep(0.5)
        now = count_clicks(url)
        if now == last:
            return now
        last = now
    raise SystemExit(f"clicks were still being written {timeout:.0f} s after the load")


def drain(redis_url: str, timeout: float = 120.0) -> None:
    """Wait until the click workers wrote and acknowledged everything in the stream."""
    client = redis.Redis.from_url(redis_url)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if client.xlen(STREAM) == 0:
            return
        time.sleep(0.2)
    raise SystemExit(f"the click stream was not drained within {timeout:.0f} s")


def report(results: list[tuple[Result, Result, int, float]], url: str, profile: str) -> None:
    database = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    if profile == "scale":
        database += " + Redis stream + 1 click worker (scale profile)"
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"redirect benchmark: wrk 1 thread, uvicorn 1 process, {database}")
    print(f"machine: {os.cpu_count()} CPUs, load average {load} (1, 5, 15 min) at the end")
    header = f"{'run':<12}{'app':<12}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'302s':>9}"
    print(header + f"{'clicks':>9}{'peak MB':>9}{'cpu us':>8}{'ratio':>8}{'settled s':>11}")
    for mine, bare, clicks, caught_up in results:
        ratio = mine.rps / bare.rps if bare.rps else float("nan")
        for label, result, recorded, shown_ratio, settled in (
            ("microreach", mine, str(clicks), f"{ratio:.1%}", f"{caught_up:.1f}"),
            ("bare ASGI", bare, "-", "", ""),
        ):
            redirects = result.requests - result.non_3xx
            print(
                f"{result.name:<12}{label:<12}{result.rps:>10,.0f}{result.p50_ms:>9.2f}"
                f"{result.p99_ms:>9.2f}{redirects:>9}{recorded:>9}{result.peak_mb:>9.0f}"
                f"{result.cpu_us:>8.1f}{shown_ratio:>8}{settled:>11}"
            )
    print("targets: ratio >= 40%, p99 < 10 ms, clicks == 302s (+ in flight), peak < 300 MB")
    print("settled s: from the end of the load until every click was stored (the writer or the")
    print("click worker catching up; 0.5 s is the shortest the check can see)")
    print("cpu us: CPU time (user + system) of the server process per request during the load,")
    print("its threads included (the embedded click writer); the click worker, PostgreSQL and")
    print("Redis of the scale profile are not in it")
    for mine, _, _, _ in results:
        if not math.isnan(mine.worker_us):
            print(f"click worker ({mine.name}): {mine.worker_us:.1f} us CPU per click written")


if __name__ == "__main__":
    main()
