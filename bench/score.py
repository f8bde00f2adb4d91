"""Benchmark `microreach score`: accounts scored per second, against reading the same data.

Generates creators with 12 posts each into a fresh data directory (SQLite by default;
PostgreSQL when MICROREACH_BENCH_DATABASE_URL names an empty database), then runs the real
`microreach score` command and times it. The baseline, measured in the same run on the same
database, is the floor of the job's input: reading every account's observations (profile,
newest posts with their latest counts, follower series, comment threads) in one process
without scoring them. Prints both rates, their ratio, and the time the job would take for
100,000 creators at the measured rate. The machine is shared, so the ratio is the figure to
compare between runs; the CPU time the job used (its processes' user + system time) is printed
too, with the load average, because on a busy machine the wall time mostly measures the others.

The commands run with a bytecode cache in the temporary directory, as an installed package
has one: where PYTHONDONTWRITEBYTECODE is set, every command would otherwise compile some 900
modules from source, about 3 s of CPU that has nothing to do with scoring (--no-bytecode-cache
measures that way).

    python bench/score.py [--creators 20000] [--workers N] [--no-bytecode-cache]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

from microreach.db.engine import make_engine
from microreach.scores.repository import iter_id_batches, load_span

TARGET_SECONDS_100K = 30.0


def run(command: list[str], env: dict[str, str]) -> tuple[float, str]:
    elapsed, _, summary = run_timed(command, env)
    return elapsed, summary


def run_timed(command: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Wall seconds, CPU seconds (user + system of the command and its worker processes) and
    the command's last line of output."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}): {done.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu, done.stderr.strip().splitlines()[-1]


def read_floor(url: str) -> tuple[float, int]:
    """Seconds to read every account's observations in one process, and how many."""
    engine = make_engine(url)
    accounts = 0
    started = time.perf_counter()
    with engine.connect() as connection:
        for ids in iter_id_batches(connection, 1000):
            accounts += len(load_span(connection, (ids[0], ids[-1])))
    elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed, accounts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--creators", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--no-bytecode-cache", dest="bytecode_cache", action="store_false")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="microreach-bench-") as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith("MICROREACH_")}
        url = os.environ.get("MICROREACH_BENCH_DATABASE_URL") or f"sqlite:///{Path(tmp)}/b.db"
        env |= {"MICROREACH_DATA_DIR": tmp, "MICROREACH_DATABASE_URL": url}
        if args.bytecode_cache:  # written by the first commands, read by `microreach score`
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            env["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")
        me = [sys.executable, "-m", "microreach"]
        run([*me, "db", "upgrade"], env)
        generated, _ = run([*me, "generate", "--creators", str(args.creators), "--seed",
                            str(args.seed)], env)  # fmt: skip
        floor, accounts = read_floor(url)
        load = os.getloadavg()[0]
        scored, cpu, summary = run_timed([*me, "score", "--workers", str(args.workers)], env)
        again, summary_again = run([*me, "score", "--workers", str(args.workers)], env)
        engine = sa.create_engine(url)
        with engine.connect() as connection:
            stored = connection.exec_driver_sql("SELECT count(*) FROM account_scores").scalar()
        engine.dispose()

    rate = accounts / scored
    floor_rate = accounts / floor
    per_creator = accounts / args.creators
    projected = 100_000 * per_creator / rate
    cache = "bytecode cached" if args.bytecode_cache else "no bytecode cache"
    print(f"database            {url.split(':', 1)[0]}, {args.workers} worker processes, {cache}")
    print(f"creators            {args.creators:,} ({accounts:,} accounts, {per_creator:.2f} each;"
          f" generated in {generated:.1f} s)")  # fmt: skip
    print(f"microreach score    {scored:.1f} s, {rate:,.0f} accounts/s  [{summary}]")
    print(
        f"cpu time            {cpu:.1f} s, {cpu / accounts * 1e6:,.0f} us per account "
        f"(load average {load:.1f} on {os.cpu_count()} CPUs when it started)"
    )
    print(
        f"read floor          {floor:.1f} s, {floor_rate:,.0f} accounts/s (1 process, no scoring)"
    )
    print(f"ratio               {rate / floor_rate:.2f} of the read floor")
    print(f"rows stored         {stored:,}")
    print(f"second run          {again:.1f} s  [{summary_again}]")
    verdict = "meets" if projected <= TARGET_SECONDS_100K else "misses"
    print(f"100,000 creators    {projected:.0f} s projected at this rate ({verdict} the "
          f"{TARGET_SECONDS_100K:.0f} s target)")  # fmt: skip
    # What the target leaves per account: every CPU busy for the whole target time.
    cpus = os.cpu_count() or 1
    budget = TARGET_SECONDS_100K * cpus / (100_000 * per_creator)
    print(f"cpu budget          {budget * 1e6:,.0f} us per account on {cpus} CPUs for the target;"
          f" this run used {cpu / accounts * 1e6:,.0f}")  # fmt: skip


if __name__ == "__main__":
    main()
