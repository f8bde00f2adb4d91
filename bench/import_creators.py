"""Benchmark `microreach import creators`: rows per second and peak memory, against a floor.

Writes a creators CSV (default 1,000,000 rows, realistic columns and human number formats) in
a temporary directory, runs the real command on a fresh SQLite database (PostgreSQL when
MICROREACH_BENCH_DATABASE_URL names an empty database) while sampling the resident memory of
the process tree, imports the file a second time (nothing may change), then measures in the
same run the floor of the same work: plain ``csv.reader`` over the file plus a bare
``executemany`` of its rows into an unindexed table. The machine is shared, so the ratio is
the figure to compare.

    python bench/import_creators.py [--rows 1000000]
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import re
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psutil
import sqlalchemy as sa

TARGET_ROWS_PER_SECOND = 20_000
TARGET_PEAK_MB = 500.0
HEADER = ["platform", "handle", "name", "followers", "following", "posts", "country",
          "verified", "email", "bio"]  # fmt: skip
COUNTRIES = ["US", "GB", "DE", "FR", "BR", "IN", "ES", "IT", "JP", "MX"]


def write_file(path: Path, rows: int) -> None:
    rng = random.Random(2020)
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(HEADER)
        for i in range(rows):
            followers = int(rng.lognormvariate(9.5, 1.6))
            shown = f"{followers / 1000:.1f}K" if i % 10 == 0 and followers > 10_000 else followers
            writer.writerow([
                "instagram" if i % 3 else "tiktok", f"creator_{i:07d}", f"Creator {i}",
                shown, rng.randint(10, 3000), rng.randint(1, 4000), COUNTRIES[i % 10],
                "yes" if i % 50 == 0 else "no", f"hello{i}@example.com" if i % 4 == 0 else "",
                "Food, travel and everyday life 🍜 — collabs via email",
            ])  # fmt: skip


@dataclass
class Run:
    seconds: float  # wall time
    cpu: float  # user + system time of the process tree
    peak_mb: float  # resident memory of the process tree, sampled every 50 ms
    output: str


def run_sampled(env: dict[str, str], args: list[str]) -> Run:
    """Run a command, sampling its memory; its CPU time comes from the kernel's accounting."""
    command = [sys.executable, "-m", "microreach", *args]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    root = psutil.Process(process.pid)
    peak = 0.0
    while process.poll() is None:
        try:
            tree = [root, *root.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()) / 2**20)
        except psutil.Error:
            pass
        time.sleep(0.05)
    elapsed = time.perf_counter() - started
    output = process.stderr.read() if process.stderr else ""
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed ({process.returncode}): {output}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return Run(elapsed, cpu, peak, output)


def summary_of(run: Run) -> str:
    lines = [line for line in run.output.splitlines() if "rows/s" in line]
    return lines[-1] if lines else run.output.strip()


def count_accounts(url: str) -> tuple[int, int]:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        accounts = connection.exec_driver_sql("SELECT count(*) FROM platform_accounts").scalar()
        snapshots = connection.exec_driver_sql("SELECT count(*) FROM account_snapshots").scalar()
    engine.dispose()
    return int(accounts or 0), int(snapshots or 0)


def floor(path: Path, directory: Path) -> tuple[float, float, float]:
    """Rows per second of csv.reader alone, of csv.reader plus a bare executemany, and of the
    latter per CPU second."""
    started = time.perf_counter()
    with path.open(encoding="utf-8", newline="") as f:
        rows = sum(1 for _ in csv.reader(f)) - 1
    read_rate = rows / (time.perf_counter() - started)
    database = sqlite3.connect(directory / "floor.db")
    database.execute("PRAGMA journal_mode=WAL")
    database.execute("PRAGMA synchronous=NORMAL")
    database.execute(f"CREATE TABLE floor ({', '.join(HEADER)})")
    started, cpu = time.perf_counter(), time.process_time()
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        next(reader)
        marks = ", ".join("?" for _ in HEADER)
        while batch := [row for _, row in zip(range(5000), reader, strict=False)]:
            database.executemany(f"INSERT INTO floor VALUES ({marks})", batch)
            database.commit()
    write_rate = rows / (time.perf_counter() - started)
    write_cpu_rate = rows / (time.process_time() - cpu)
    database.close()
    return read_rate, write_rate, write_cpu_rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="microreach-bench-") as data_dir:
        directory = Path(data_dir)
        env = {k: v for k, v in os.environ.items() if not k.startswith("MICROREACH_")}
        env["MICROREACH_DATA_DIR"] = data_dir
        url = os.environ.get("MICROREACH_BENCH_DATABASE_URL", "")
        if url:
            env["MICROREACH_DATABASE_URL"] = url
        else:
            url = f"sqlite:///{directory / 'microreach.db'}"
        path = directory / "creators.csv"
        write_file(path, args.rows)
        size_mb = path.stat().st_size / 2**20
        subprocess.run([sys.executable, "-m", "microreach", "db", "upgrade"], env=env, check=True)
        startup = run_sampled(env, ["--help"])
        first = run_sampled(env, ["import", "creators", str(path)])
        accounts, snapshots = count_accounts(url)
        again = run_sampled(env, ["import", "creators", str(path)])
        after = count_accounts(url)
        read_rate, write_rate, write_cpu_rate = floor(path, directory)
    # The command's own clock: from opening the file to the last commit (no interpreter start).
    timed = re.search(r" in ([\d.]+) s ", summary_of(first))
    rate = args.rows / (float(timed.group(1)) if timed else first.seconds - startup.seconds)
    cpu_rate = args.rows / (first.cpu - startup.cpu)
    print(f"database:        {url.split(':')[0]}; load average {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} CPUs")  # fmt: skip
    print(f"file:            {args.rows:,} rows, {size_mb:,.0f} MB CSV")
    print(f"import:          {first.seconds:.1f} s wall ({startup.seconds:.1f} s of it starting "
          f"Python), {first.cpu:.1f} s CPU")  # fmt: skip
    print(f"                 {summary_of(first)}")
    print(f"rate:            {rate:,.0f} rows/s wall (the command's clock), {cpu_rate:,.0f} rows "
          "per CPU second (start-up CPU taken off)")  # fmt: skip
    print(f"baseline read:   {read_rate:,.0f} rows/s (csv.reader alone, same file, same run)")
    print(f"baseline write:  {write_rate:,.0f} rows/s wall, {write_cpu_rate:,.0f} per CPU second "
          "(csv.reader + bare executemany into one unindexed table)")  # fmt: skip
    print(f"ratio:           {rate / write_rate:.2f} of the bare load (wall), "
          f"{cpu_rate / write_cpu_rate:.2f} (CPU)")  # fmt: skip
    print(f"peak memory:     {first.peak_mb:,.0f} MB first run, {again.peak_mb:,.0f} MB re-run; "
          f"baseline {startup.peak_mb:,.0f} MB (`microreach --help`, same run)")  # fmt: skip
    print(f"rows:            {accounts:,} accounts, {snapshots:,} snapshots")
    print(f"re-import:       {again.seconds:.1f} s, accounts/snapshots {accounts:,}/{snapshots:,}"
          f" -> {after[0]:,}/{after[1]:,} ({summary_of(again)})")  # fmt: skip
    met = rate >= TARGET_ROWS_PER_SECOND and first.peak_mb < TARGET_PEAK_MB
    met = met and after == (accounts, snapshots)
    print(f"target (>={TARGET_ROWS_PER_SECOND:,} rows/s wall, <{TARGET_PEAK_MB:.0f} MB, "
          f"idempotent): {'met' if met else 'NOT met'}")  # fmt: skip


if __name__ == "__main__":
    main()
