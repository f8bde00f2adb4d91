"""Every Prometheus metric of microreach, defined once; other modules import and update them.

Names, types, labels, and who updates them:

- `microreach_http_request_duration_seconds` (histogram; method, route, status): the web
  middleware, per request; route is the template ("/api/v1/links/{link_id}"), status the
  class ("2xx").
- `microreach_redirect_duration_seconds` (histogram): the redirect path, from request to the
  302, 404 or 410 sent; counted in batches (BatchedHistogram), so a value shows at the next
  scrape of the same process and in at most a second elsewhere.
- `microreach_clicks_accepted_total` (counter): the redirect path, per click handed to the
  click writer.
- `microreach_clicks_written_total` (counter): the click writer, per click committed.
- `microreach_click_queue_depth` (gauge): the click writer, clicks waiting to be committed.
- `microreach_click_write_lag_seconds` (histogram): the click writer, per click from hand-off
  to commit.
- `microreach_job_duration_seconds` (histogram; job): `time_job`, per job run, failed or not.
- `microreach_job_failures_total` (counter; job): `time_job`, per job run that raised.
- `microreach_connector_errors_total` (counter; platform, kind): the connectors, per failed
  platform request (kind: timeout, rate_limited, auth, quota, server, invalid_response, ...).

Multiple processes: when the environment variable `PROMETHEUS_MULTIPROC_DIR` names an empty,
writable directory before the processes start, prometheus-client keeps values in memory-mapped
files there and `/metrics` in any process reports the sum over all of them (the queue depth
gauge: the sum over live processes). Clear the directory when the service restarts.
"""

from __future__ import annotations

import math
import os
import re
import time
from bisect import bisect_left
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client import multiprocess as _multiprocess
from prometheus_client.metrics_core import Metric

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
CONTENT_TYPE = CONTENT_TYPE_LATEST
# Redirects answer in well under a millisecond from the cache; the tail is what matters.
FAST_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
HTTP_BUCKETS = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
JOB_BUCKETS = (0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0)


class BatchedHistogram:
    """Observations of an unlabelled Histogram counted in plain numbers, and added to it in
    one step per bucket.

    Histogram.observe takes two locks per call; on the redirect path under load that was about
    5 µs of CPU per request and a tenth of the throughput (bench/redirect.py with metrics on
    and off). Observations and flushes belong to one thread (the redirect's event loop). They
    reach the Histogram, and so /metrics and the multiprocess files, when `interval` seconds
    passed since the last flush, whenever the default registry is collected or render() runs
    (see _Flusher), and from the redirect's own timer when traffic stops (links.redirect).
    """

    def __init__(self, histogram: Histogram, buckets: Sequence[float], interval: float) -> None:
        bounds = (*buckets, math.inf)
        if tuple(histogram._upper_bounds) != bounds:
            raise ValueError(
                f"{histogram._name} has buckets {histogram._upper_bounds}, not {bounds}"
            )
        self._histogram = histogram
        self._bounds = tuple(buckets)
        self._counts = [0] * len(bounds)
        self._sum = 0.0
        self._pending = 0
        self._interval = interval
        self._flushed = time.perf_counter()
        _BATCHED.append(self)

    def observe(self, value: float, now: float) -> None:
        """Count ``value`` (``now``: the caller's time.perf_counter(), to save a call)."""
        self._counts[bisect_left(self._bounds, value)] += 1  # le: the first bound >= value
        self._sum += value
        self._pending += 1
        if now - self._flushed >= self._interval:
            self.flush()

    def flush(self) -> None:
        self._flushed = time.perf_counter()
        if not self._pending:
            return
        counts, self._counts = self._counts, [0] * len(self._counts)
        total, self._sum, self._pending = self._sum, 0.0, 0
        # Histogram.observe's own updates (prometheus_client keeps the buckets uncumulated).
        self._histogram._sum.inc(total)
        for bucket, count in zip(self._histogram._buckets, counts, strict=True):
            if count:
                bucket.inc(count)


_BATCHED: list[BatchedHistogram] = []


def flush_batched() -> None:
    for batched in _BATCHED:
        batched.flush()


class _Flusher:
    """A collector with no metrics, registered before every metric of microreach: collecting
    the default registry runs it first, so batched observations are in the Histograms that
    the registry reads next."""

    def describe(self) -> list[Metric]:
        return []

    def collect(self) -> list[Metric]:
        flush_batched()
        return []


REGISTRY.register(_Flusher())

HTTP_REQUEST_DURATION = Histogram(
    "microreach_http_request_duration_seconds",
    "Time from request to response, by method, route template and status class.",
    ("method", "route", "status"),
    buckets=HTTP_BUCKETS,
)
REDIRECT_DURATION = Histogram(
    "microreach_redirect_duration_seconds",
    "Time the redirect path takes to answer a short link (302, 404 or 410).",
    buckets=FAST_BUCKETS,
)
# What the redirect path observes into, batched (it flushes at least once a second).
REDIRECT_TIMES = BatchedHistogram(REDIRECT_DURATION, FAST_BUCKETS, interval=1.0)
CLICKS_ACCEPTED = Counter(
    "microreach_clicks_accepted", "Clicks the redirect path handed to the click writer."
)
CLICKS_WRITTEN = Counter("microreach_clicks_written", "Clicks the click writer committed.")
CLICK_QUEUE_DEPTH = Gauge(
    "microreach_click_queue_depth",
    "Clicks waiting in the click writer's queue.",
    multiprocess_mode="livesum",
)
CLICK_STREAM_LENGTH = Gauge(
    "microreach_click_stream_length",
    "Clicks in the Redis click stream not yet written and acknowledged (scale profile), as "
    "the click worker last saw it.",
    multiprocess_mode="mostrecent",
)
CLICK_WRITE_LAG = Histogram(
    "microreach_click_write_lag_seconds",
    "Time from a click's hand-off to the writer to its commit.",
    buckets=FAST_BUCKETS,
)
JOB_DURATION = Histogram(
    "microreach_job_duration_seconds", "Duration of job runs, by job name.", ("job",),
    buckets=JOB_BUCKETS,
)  # fmt: skip
JOB_FAILURES = Counter("microreach_job_failures", "Job runs that raised, by job name.", ("job",))
CONNECTOR_ERRORS = Counter(
    "microreach_connector_errors",
    "Failed platform API requests, by platform and kind (for example timeout, rate_limited, "
    "auth, quota, server, invalid_response).",
    ("platform", "kind"),
)


@contextmanager
def time_job(job: str) -> Iterator[None]:
    """Observe a job run's duration under ``job``; count it as a failure when it raises."""
    started = time.perf_counter()
    try:
        yield
    except BaseException:
        JOB_FAILURES.labels(job).inc()
        raise
    finally:
        JOB_DURATION.labels(job).observe(time.perf_counter() - started)


def count_connector_error(platform: str, error: BaseException) -> None:
    """Count a failed platform request under the error's kind: its class name in snake case
    (RateLimited -> rate_limited, ServiceUnavailable -> service_unavailable)."""
    CONNECTOR_ERRORS.labels(platform, error_kind(error)).inc()


def error_kind(error: BaseException) -> str:
    return _CAMEL.sub("_", type(error).__name__).lower()


def status_class(status: int) -> str:
    """'2xx' for 204: the status label keeps five values, not sixty."""
    return f"{status // 100}xx"


def multiprocess_dir() -> str | None:
    return os.environ.get(MULTIPROC_ENV) or None


def render() -> bytes:
    """The text exposition of every metric: this process's, or all processes' in
    multiprocess mode."""
    flush_batched()
    directory = multiprocess_dir()
    if directory is None:
        return generate_latest(REGISTRY)
    registry = CollectorRegistry()
    _multiprocess.MultiProcessCollector(registry, path=directory)  # type: ignore[no-untyped-call]
    return generate_latest(registry)


def mark_process_dead(pid: int) -> None:
    """Drop a finished worker's live gauges (call from the process manager in multiprocess
    mode; counters and histograms keep its values)."""
    if multiprocess_dir() is not None:
        _multiprocess.mark_process_dead(pid)  # type: ignore[no-untyped-call]
