"""Benchmark `microreach generate`: rows per second and peak memory, against a storage floor.

Runs the real command in a fresh data directory (SQLite by default; PostgreSQL when
MICROREACH_BENCH_DATABASE_URL names an empty database), samples the resident memory of the
whole process tree, then measures in the same run the floor of the same storage: plain
executemany (SQLite) or COPY (PostgreSQL) of the same number of fixed rows into a bare table.
Prints both and their ratio; the machine is shared, so the ratio is the figure to compare.

    python bench/generate.py [--creators 100000] [--seed 1]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
import sqlalchemy as sa

TARGET_SECONDS = 60.0
TARGET_PEAK_MB = 1024.0


def run_generate(env: dict[str, str], creators: int, seed: int) -> tuple[float, float, str]:
    """Wall time, peak RSS of the process tree in MB, and the command's summary line."""
    command = [sys.executable, "-m", "microreach", "generate", "--creators", str(creators)]
    command += ["--seed", str(seed)]
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
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
        raise SystemExit(f"generate failed ({process.returncode}): {output}")
    return elapsed, peak, output.strip().splitlines()[-1]


def count_rows(url: str) -> int:
    tables = ("creators", "platform_accounts", "synthetic_truth", "account_snapshots",
              "audience_shares", "posts", "post_snapshots", "comments")  # fmt: skip
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        total = sum(
            connection.exec_driver_sql(f"SELECT count(*) FROM {t}").scalar_one() for t in tables
        )
    engine.dispose()
    return int(total)


def storage_floor(url: str, rows: int) -> float:
    """Rows per second for the plainest bulk write of ``rows`` rows on the same database."""
    engine = sa.create_engine(url)
    data = [(i, "x" * 32, i * 3, "2026-01-01 00:00:00.000000") for i in range(rows)]
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE IF EXISTS bench_floor")
        connection.exec_driver_sql(
            "CREATE TABLE bench_floor "
            "(id BIGINT PRIMARY KEY, a VARCHAR(32), b BIGINT, c VARCHAR(32))"
        )
    started = time.perf_counter()
    with engine.begin() as connection:
        driver = connection.connection.driver_connection
        if engine.dialect.name == "sqlite":
            driver.executemany("INSERT INTO bench_floor VALUES (?, ?, ?, ?)", data)  # type: ignore[union-attr]
        else:
            with driver.cursor() as cursor, cursor.copy("COPY bench_floor FROM STDIN") as copy:  # type: ignore[union-attr]
                for row in data:
                    copy.write_row(row)
    elapsed = time.perf_counter() - started
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE bench_floor")
    engine.dispose()
    return rows / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--creators", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="microreach-bench-") as data_dir:
        env = {k: v for k, v in os.environ.items() if not k.startswith("MICROREACH_")}
        env["MICROREACH_DATA_DIR"] = data_dir
        url = os.environ.get("MICROREACH_BENCH_DATABASE_URL", "")
        if url:
            env["MICROREACH_DATABASE_URL"] = url
        else:
            url = f"sqlite:///{Path(data_dir) / 'microreach.db'}"
        subprocess.run([sys.executable, "-m", "microreach", "db", "upgrade"], env=env, check=True)
        seconds, peak_mb, summary = run_generate(env, args.creators, args.seed)
        rows = count_rows(url)
        floor = storage_floor(url, min(rows, 2_000_000))
        rerun_seconds, _, rerun_summary = run_generate(env, args.creators, args.seed)
        rows_after = count_rows(url)
    rate = rows / seconds
    print(f"database:        {url.split(':')[0]}")
    print(f"generate:        {args.creators:,} creators, {rows:,} rows in {seconds:.1f} s")
    print(f"                 {summary}")
    print(f"rate:            {rate:,.0f} rows/s")
    print(f"baseline:        {floor:,.0f} rows/s (bare bulk insert, same database, same run)")
    print(f"ratio:           {rate / floor:.2f} of the storage floor")
    print(f"peak memory:     {peak_mb:,.0f} MB (process tree)")
    print(
        f"re-run:          {rerun_seconds:.1f} s, rows {rows:,} -> {rows_after:,} ({rerun_summary})"
    )
    verdict = seconds < TARGET_SECONDS and peak_mb < TARGET_PEAK_MB and rows_after == rows
    print(f"target (<{TARGET_SECONDS:.0f} s, <{TARGET_PEAK_MB:.0f} MB, no duplicates): "
          f"{'met' if verdict else 'NOT met'}")  # fmt: skip


if __name__ == "__main__":
    main()
