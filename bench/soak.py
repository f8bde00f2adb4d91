"""Soak and fault test of the scale profile: mixed load for N minutes while parts are killed.

Starts its own PostgreSQL (initdb in a temporary directory, so restarting it disturbs nothing
else) and its own Redis (AOF with `appendfsync always`, as docs/production.md asks for the click
stream), then the scale profile's processes: `microreach serve --workers 2`, `microreach worker`,
`microreach scheduler` and `microreach click-worker`. For `--minutes` (10) it drives:

- redirects with wrk (1 thread, `--connections`, one segment per minute, random slugs of 200
  links of one campaign);
- the API from a client thread: conversions written (`POST /api/v1/conversions`, each order
  retried with the same order id until answered 2xx, as a shop would), the campaign report read
  and the links list read.

and prints per minute: redirects per second and p99, API requests per second and p99 (by kind),
errors, and the resident memory of each process. Faults, during the load: at 25% the job worker
and the click worker are killed (SIGKILL) and restarted 10 s later; at 45% Redis is killed and
restarted; at 65% PostgreSQL is restarted (fast shutdown). Afterwards it waits for the click
stream to drain and checks that every accepted click (302) and every accepted conversion (2xx)
is stored exactly once (clicks and orders are keyed by their ids, so "more" can only be requests
wrk had in flight when a segment stopped, at most `connections` per segment).

    python bench/soak.py [--minutes 10] [--connections 16]

Needs wrk, PostgreSQL's server binaries (/usr/lib/postgresql/*/bin) and redis-server; run as
root (PostgreSQL's files then belong to the `postgres` user) or as a user who may run initdb.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import psutil
import redis
import sqlalchemy as sa

from microreach.accounts.enums import ApiScope
from microreach.accounts.models import ApiKey, Organisation
from microreach.accounts.security import api_key_digest, new_api_key
from microreach.campaigns.models import Campaign
from microreach.db import migrate
from microreach.db import models as _all_models  # noqa: F401  (every table in the metadata)
from microreach.db.engine import make_engine
from microreach.links.models import Link
from microreach.links.stream import STREAM

sys.path.insert(0, str(Path(__file__).parent))
from redirect import RANDOM_SLUGS_LUA, free_port, run_wrk

SECRET = "soak-secret-key-" + "x" * 40
LINKS = 200


def _pg_bin(name: str) -> str:
    found = sorted(str(p) for p in Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    if not found:
        raise SystemExit(f"{name} not found: install PostgreSQL's server package")
    return found[-1]


def _as_postgres(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


class Postgres:
    """A throwaway PostgreSQL cluster on a free port."""

    def __init__(self, root: Path) -> None:
        self.dir = root / "pg"
        self.dir.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        self.port = free_port()
        subprocess.run(
            _as_postgres([_pg_bin("initdb"), "-D", str(self.dir), "-A", "trust", "-U", "postgres"]),
            check=True,
            capture_output=True,
        )
        self.start()

    def _ctl(self, *args: str) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1"
        subprocess.run(
            _as_postgres([_pg_bin("pg_ctl"), "-D", str(self.dir), "-o", options, "-w", *args]),
            check=True,
            capture_output=True,
        )

    def start(self) -> None:
        self._ctl("-l", str(self.dir / "log"), "start")

    def restart(self) -> None:
        self._ctl("-m", "fast", "-l", str(self.dir / "log"), "restart")

    def stop(self) -> None:
        self._ctl("-m", "fast", "stop")

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"


class Redis:
    """A throwaway Redis with an append-only file fsynced on every write."""

    def __init__(self, root: Path) -> None:
        self.dir = root / "redis"
        self.dir.mkdir()
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.start()

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "yes", "--appendfsync", "always", "--dir", str(self.dir)],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        client = redis.Redis(port=self.port)
        for _ in range(100):
            try:
                client.ping()
                return
            except redis.RedisError:
                time.sleep(0.1)
        raise SystemExit("redis-server did not start")

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"


@dataclass
class Seeded:
    slugs: list[str]
    campaign_id: uuid.UUID
    api_key: str


def seed(url: str) -> Seeded:
    engine = make_engine(url)
    migrate.upgrade(engine)
    now = datetime.now(UTC)
    organisation_id, campaign_id = uuid.uuid4(), uuid.uuid4()
    secret, prefix = new_api_key()
    slugs = [f"s{n:05d}" for n in range(LINKS)]
    with engine.begin() as connection:
        connection.execute(
            sa.insert(Organisation).values(
                id=organisation_id, name="Soak", slug="soak", created_at=now
            )
        )
        connection.execute(
            sa.insert(ApiKey).values(
                id=uuid.uuid4(),
                organisation_id=organisation_id,
                name="soak",
                prefix=prefix,
                secret_hash=api_key_digest(SECRET, secret),
                scopes=[s.value for s in ApiScope],
                created_at=now,
            )
        )
        connection.execute(
            sa.insert(Campaign).values(
                id=campaign_id,
                organisation_id=organisation_id,
                name="Soak campaign",
                status="active",
                goal="sales",
                starts_on=date.today() - timedelta(days=7),
                ends_on=date.today() + timedelta(days=30),
                budget_minor=1_000_000,
                currency="EUR",
                required_hashtags=[],
                required_mentions=[],
                deliverables=[],
                default_terms={},
                created_at=now,
                updated_at=now,
            )
        )
        connection.execute(
            sa.insert(Link),
            [
                {
                    "id": uuid.uuid4(),
                    "organisation_id": organisation_id,
                    "campaign_id": campaign_id,
                    "slug": slug,
                    "destination": f"https://shop.example.com/p/{n}",
                    "enabled": True,
                    "created_at": now,
                    "updated_at": now,
                }
                for n, slug in enumerate(slugs)
            ],
        )
    engine.dispose()
    return Seeded(slugs, campaign_id, secret)


class Process:
    def __init__(self, name: str, args: list[str], env: dict[str, str], log: Path) -> None:
        self.name, self.args, self.env, self.log = name, args, env, log
        self.process: subprocess.Popen[bytes] | None = None
        self.start()

    def start(self) -> None:
        handle = self.log.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "microreach", *self.args],
            env=self.env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()

    def rss_mb(self) -> float:
        if self.process is None or self.process.poll() is not None:
            return 0.0
        try:
            root = psutil.Process(self.process.pid)
            tree = [root, *root.children(recursive=True)]
            return sum(p.memory_info().rss for p in tree if p.is_running()) / 2**20
        except psutil.Error:
            return 0.0


@dataclass
class ApiStats:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    accepted_orders: set[str] = field(default_factory=set)

    def add(self, kind: str, seconds: float, ok: bool) -> None:
        self.latencies.setdefault(kind, []).append(seconds)
        if not ok:
            self.errors[kind] = self.errors.get(kind, 0) + 1


class ApiLoad(threading.Thread):
    """Conversions written (retried until accepted), the report and the links list read."""

    def __init__(self, base: str, seeded: Seeded) -> None:
        super().__init__(daemon=True)
        self.base, self.seeded = base, seeded
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.minute = ApiStats()
        self.accepted: set[str] = set()

    def take(self) -> ApiStats:
        with self.lock:
            stats, self.minute = self.minute, ApiStats()
        return stats

    def _call(self, client: httpx.Client, kind: str, method: str, path: str, **kw: object) -> int:
        started = time.perf_counter()
        try:
            status = client.request(method, path, **kw).status_code  # type: ignore[arg-type]
        except httpx.HTTPError:
            status = 0
        with self.lock:
            self.minute.add(kind, time.perf_counter() - started, 200 <= status < 300)
        return status

    def run(self) -> None:
        headers = {"Authorization": f"Bearer {self.seeded.api_key}"}
        report = f"/api/v1/campaigns/{self.seeded.campaign_id}/report"
        with httpx.Client(base_url=self.base, headers=headers, timeout=10) as client:
            while not self.stop.is_set():
                order = uuid.uuid4().hex
                body = {"order_id": order, "amount": "19.90", "currency": "EUR"}
                while not self.stop.is_set():
                    status = self._call(client, "conversion", "POST", "/api/v1/conversions",
                                        json=body)  # fmt: skip
                    if 200 <= status < 300:
                        with self.lock:
                            self.minute.accepted_orders.add(order)
                            self.accepted.add(order)
                        break
                    time.sleep(0.2)
                self._call(client, "report", "GET", report)
                self._call(client, "links", "GET", "/api/v1/links")


def p99(values: list[float]) -> float:
    if not values:
        return float("nan")
    if len(values) < 2:
        return values[0] * 1000
    return statistics.quantiles(values, n=100)[98] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    for tool in ("wrk", "redis-server"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} not found (apt-get install {tool.split('-')[0]})")

    with tempfile.TemporaryDirectory(prefix="mr-soak-") as tmp:
        root = Path(tmp)
        root.chmod(0o755)
        pg, rd = Postgres(root), Redis(root)
        procs: dict[str, Process] = {}
        try:
            seeded = seed(pg.url)
            web_port = free_port()
            env = {k: v for k, v in os.environ.items() if not k.startswith("MICROREACH_")}
            env |= {
                "MICROREACH_DATABASE_URL": pg.url,
                "MICROREACH_REDIS_URL": rd.url,
                "MICROREACH_CLICK_TRANSPORT": "redis",
                "MICROREACH_SECRET_KEY": SECRET,
                "MICROREACH_DATA_DIR": str(root / "data"),
                "MICROREACH_DESTINATION_CHECK_DNS": "false",
                "MICROREACH_LOG_LEVEL": "warning",
                "MICROREACH_PORT": str(web_port),
            }
            logs = root / "logs"
            logs.mkdir()
            procs["web"] = Process("web", ["serve", "--workers", "2"], env, logs / "web.log")
            procs["worker"] = Process("worker", ["worker"], env, logs / "worker.log")
            procs["scheduler"] = Process("scheduler", ["scheduler"], env, logs / "sched.log")
            procs["clicks"] = Process("clicks", ["click-worker"], env, logs / "clicks.log")
            base = f"http://127.0.0.1:{web_port}"
            try:
                _wait_http(base + "/healthz")
            except SystemExit:
                _print_logs(logs)
                raise
            lua = root / "slugs.lua"
            lua.write_text(RANDOM_SLUGS_LUA % ", ".join(f'"{s}"' for s in seeded.slugs))
            api = ApiLoad(base, seeded)
            api.start()
            faults = _faults(args.minutes, procs, pg, rd)
            accepted_clicks = 0
            print(
                f"soak: {args.minutes} min, scale profile (2 web processes, job worker, "
                f"scheduler, click worker), wrk 1 thread x {args.connections} connections"
            )
            print(f"{'min':>3} {'redir/s':>8} {'p99 ms':>7} {'non-3xx':>8} {'api/s':>6} "
                  f"{'conv p99':>9} {'report p99':>10} {'api err':>7}  RSS MB (web/worker/"
                  "clicks/scheduler)  faults")  # fmt: skip
            for minute in range(1, args.minutes + 1):
                result = run_wrk(web_port, "/", lua, 60, args.connections)
                accepted_clicks += result.requests - result.non_3xx
                stats = api.take()
                calls = sum(len(v) for v in stats.latencies.values())
                rss = "/".join(f"{procs[n].rss_mb():.0f}" for n in
                               ("web", "worker", "clicks", "scheduler"))  # fmt: skip
                done = ", ".join(faults.pop(minute, []))
                print(
                    f"{minute:>3} {result.rps:>8,.0f} {result.p99_ms:>7.1f} {result.non_3xx:>8} "
                    f"{calls / 60:>6.1f} {p99(stats.latencies.get('conversion', [])):>9.1f} "
                    f"{p99(stats.latencies.get('report', [])):>10.1f} "
                    f"{sum(stats.errors.values()):>7}  {rss:<30} {done}",
                    flush=True,
                )
            api.stop.set()
            api.join(timeout=30)
            accepted_orders = set(api.accepted)
            _drain(rd.url)
            stored_clicks, distinct_clicks, stored_orders = _stored(pg.url, accepted_orders)
            in_flight = args.connections * args.minutes
            lost = max(0, accepted_clicks - stored_clicks)
            print(f"clicks: accepted (302) {accepted_clicks:,}, stored {stored_clicks:,} "
                  f"({distinct_clicks:,} distinct ids), lost {lost}, "
                  f"stored beyond accepted {stored_clicks - accepted_clicks} "
                  f"(requests in flight at segment ends, at most {in_flight})")  # fmt: skip
            missing = len(accepted_orders) - stored_orders[0]
            print(f"conversions: accepted {len(accepted_orders):,}, stored of those "
                  f"{stored_orders[0]:,}, rows per order at most {stored_orders[1]}, "
                  f"missing {missing}")  # fmt: skip
            ok = lost == 0 and stored_clicks == distinct_clicks and missing == 0
            ok = ok and stored_clicks - accepted_clicks <= in_flight and stored_orders[1] <= 1
            print("result:", "PASS (zero lost, zero duplicated)" if ok else "FAIL")
            if not ok:
                _print_logs(logs)
                sys.exit(1)
        finally:
            for proc in procs.values():
                proc.stop()
            rd.kill()
            pg.stop()


def _faults(
    minutes: int, procs: dict[str, Process], pg: Postgres, rd: Redis
) -> dict[int, list[str]]:
    """Schedule the faults on timers; returns what happened, by the minute it falls in."""
    log: dict[int, list[str]] = {}
    started = time.monotonic()

    def at(fraction: float, label: str, action: object) -> None:
        def fire() -> None:
            action()  # type: ignore[operator]
            minute = int((time.monotonic() - started) // 60) + 1
            log.setdefault(minute, []).append(label)

        timer = threading.Timer(minutes * 60 * fraction, fire)
        timer.daemon = True
        timer.start()

    def kill_workers() -> None:
        procs["worker"].kill()
        procs["clicks"].kill()
        time.sleep(10)
        procs["worker"].start()
        procs["clicks"].start()

    def restart_redis() -> None:
        rd.kill()
        time.sleep(2)
        rd.start()

    at(0.25, "workers killed+restarted", kill_workers)
    at(0.45, "redis killed+restarted", restart_redis)
    at(0.65, "postgresql restarted", pg.restart)
    return log


def _print_logs(logs: Path) -> None:
    for log in sorted(logs.iterdir()):
        print(f"--- {log.name} (last lines)")
        print("\n".join(log.read_text(errors="replace").splitlines()[-15:]))


def _wait_http(url: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{url} did not answer within 60 s")


def _drain(url: str, timeout: float = 300.0) -> None:
    client = redis.Redis.from_url(url)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if client.xlen(STREAM) == 0:
            return
        time.sleep(0.5)
    raise SystemExit("the click stream was not drained in time")


def _stored(url: str, orders: set[str]) -> tuple[int, int, tuple[int, int]]:
    engine = make_engine(url)
    with engine.connect() as connection:
        clicks = connection.exec_driver_sql("SELECT count(*), count(DISTINCT id) FROM clicks")
        total, distinct = clicks.one()
        rows = connection.exec_driver_sql(
            "SELECT order_id, count(*) FROM conversions GROUP BY order_id"
        ).all()
    engine.dispose()
    per_order: dict[str, int] = {str(order): int(count) for order, count in rows}
    found = sum(1 for order in orders if order in per_order)
    most = max(per_order.values(), default=0)
    return int(total), int(distinct), (found, int(most))


if __name__ == "__main__":
    main()
