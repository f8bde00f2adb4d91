"""Prometheus metrics: /metrics after requests, the domain metrics API, multiprocess mode."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry, Histogram, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from microreach.config import Settings
from microreach.connectors.errors import QuotaExceeded, RateLimited
from microreach.db.session import Database
from microreach.observability import metrics
from tests.web.support import TestClient, running_client

DOMAIN_METRICS = {
    "microreach_http_request_duration_seconds": "histogram",
    "microreach_redirect_duration_seconds": "histogram",
    "microreach_clicks_accepted": "counter",
    "microreach_clicks_written": "counter",
    "microreach_click_queue_depth": "gauge",
    "microreach_click_write_lag_seconds": "histogram",
    "microreach_job_duration_seconds": "histogram",
    "microreach_job_failures": "counter",
    "microreach_connector_errors": "counter",
}


def sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample in an exposition (0 when absent)."""
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                return float(s.value)
    return 0.0


def test_metrics_count_requests_by_method_route_template_and_status_class(
    client: TestClient,
) -> None:
    name = "microreach_http_request_duration_seconds_count"
    before = client.get("/metrics").text
    client.get("/api/v1/creators")
    client.get("/api/v1/creators")
    client.get("/api/v1/creators/00000000-0000-0000-0000-000000000000")
    client.get("/Qq1w2e3r")
    response = client.get("/metrics")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    after = response.text

    def grew(route: str, status: str) -> float:
        labels = {"method": "GET", "route": route, "status": status}
        return sample(after, name, **labels) - sample(before, name, **labels)

    assert grew("/api/v1/creators", "2xx") == 2
    assert grew("/api/v1/creators/{creator_id}", "4xx") == 1
    assert grew("/{slug}", "4xx") == 1
    assert "Qq1w2e3r" not in after and "00000000-0000" not in after


def test_every_documented_metric_is_exposed_with_its_type(client: TestClient) -> None:
    families = {f.name: f.type for f in text_string_to_metric_families(client.get("/metrics").text)}

    for name, kind in DOMAIN_METRICS.items():
        assert families.get(name) == kind, name
        assert name in (metrics.__doc__ or "")


def test_domain_metrics_are_updated_through_the_registry_api() -> None:
    def value(name: str, **labels: str) -> float:
        return sample(metrics.render().decode(), name, **labels)

    accepted = value("microreach_clicks_accepted_total")
    errors = value("microreach_connector_errors_total", platform="youtube", kind="quota")
    metrics.CLICKS_ACCEPTED.inc()
    metrics.CONNECTOR_ERRORS.labels(platform="youtube", kind="quota").inc()
    metrics.CLICK_QUEUE_DEPTH.set(7)
    metrics.REDIRECT_DURATION.observe(0.0004)

    assert value("microreach_clicks_accepted_total") == accepted + 1
    assert value("microreach_connector_errors_total", platform="youtube", kind="quota") == (
        errors + 1
    )
    assert value("microreach_click_queue_depth") == 7
    assert value("microreach_redirect_duration_seconds_bucket", le="0.0005") >= 1


def test_time_job_observes_runs_and_counts_failures() -> None:
    def value(name: str) -> float:
        return sample(metrics.render().decode(), name, job="tests.job")

    runs, failures = (
        value("microreach_job_duration_seconds_count"),
        value("microreach_job_failures_total"),
    )
    with metrics.time_job("tests.job"):
        pass
    with pytest.raises(RuntimeError), metrics.time_job("tests.job"):
        raise RuntimeError("job failed")

    assert value("microreach_job_duration_seconds_count") == runs + 2
    assert value("microreach_job_failures_total") == failures + 1


def test_metrics_can_be_turned_off(settings: Settings, database: Database) -> None:
    name = "microreach_http_request_duration_seconds_count"
    labels = {"method": "GET", "route": "/healthz", "status": "2xx"}
    before = sample(metrics.render().decode(), name, **labels)
    with running_client(settings.model_copy(update={"metrics_enabled": False}), database) as c:
        assert c.get("/metrics").status_code == 404
        assert c.get("/healthz").status_code == 200

    assert sample(metrics.render().decode(), name, **labels) == before


@pytest.mark.parametrize("status", [200, 204, 302, 404, 410, 503])
def test_status_classes_keep_the_label_small(status: int) -> None:
    assert metrics.status_class(status) == f"{str(status)[0]}xx"


WORKER = """
from microreach.observability import metrics
metrics.CLICKS_ACCEPTED.inc({n})
metrics.CLICK_QUEUE_DEPTH.set({n})
metrics.JOB_FAILURES.labels("links.rollup").inc()
"""


def test_multiprocess_mode_adds_up_every_process(tmp_path: Path) -> None:
    env = {**os.environ, metrics.MULTIPROC_ENV: str(tmp_path)}
    for n in (2, 3):
        subprocess.run([sys.executable, "-c", WORKER.format(n=n)], env=env, check=True)
    script = "from microreach.observability import metrics; print(metrics.render().decode())"
    text = subprocess.run(
        [sys.executable, "-c", script], env=env, check=True, capture_output=True, text=True
    ).stdout

    assert sample(text, "microreach_clicks_accepted_total") == 5
    assert sample(text, "microreach_job_failures_total", job="links.rollup") == 2
    # livesum: the finished workers' queue depths are not counted once they are marked dead.
    assert sample(text, "microreach_click_queue_depth") in (0, 5)


def test_unknown_methods_share_one_label(client: TestClient) -> None:
    client.request("BREW", "/healthz")
    client.request("PROPFIND", "/healthz")
    text = client.get("/metrics").text

    assert "BREW" not in text and "PROPFIND" not in text
    assert sample(text, "microreach_http_request_duration_seconds_count", method="other") >= 2


def test_connector_errors_are_counted_by_platform_and_kind() -> None:
    def value() -> float:
        text = metrics.render().decode()
        return sample(
            text, "microreach_connector_errors_total", platform="tiktok", kind="rate_limited"
        )

    before = value()
    metrics.count_connector_error("tiktok", RateLimited("tiktok", "slow down"))

    assert value() == before + 1
    assert metrics.error_kind(QuotaExceeded("youtube", "spent")) == "quota_exceeded"
    assert metrics.error_kind(TimeoutError()) == "timeout_error"


def test_batched_observations_add_up_to_what_observe_would_have_recorded() -> None:
    """BatchedHistogram counts in plain numbers and flushes per bucket: the Histogram then
    holds exactly what observing each value would have put in it, bucket edges included."""
    registry = CollectorRegistry()
    buckets = (0.001, 0.01, 0.1)
    plain = Histogram("plain_seconds", "plain", buckets=buckets, registry=registry)
    batched_target = Histogram("batched_seconds", "batched", buckets=buckets, registry=registry)
    batched = metrics.BatchedHistogram(batched_target, buckets, interval=3600.0)
    values = [0.0, 0.0005, 0.001, 0.0011, 0.01, 0.05, 0.1, 0.2, 7.5, 0.001]
    for value in values:
        plain.observe(value)
        batched.observe(value, time.perf_counter())

    def samples(name: str) -> list[tuple[str, dict[str, str], float]]:
        text = generate_latest(registry).decode()
        return [
            (s.name.replace(name, ""), s.labels, s.value)
            for family in text_string_to_metric_families(text)
            for s in family.samples
            if s.name.startswith(name) and not s.name.endswith("_created")
        ]

    assert sample(generate_latest(registry).decode(), "batched_seconds_count") == 0  # pending
    batched.flush()
    assert samples("batched_seconds") == samples("plain_seconds")
    assert sample(generate_latest(registry).decode(), "batched_seconds_count") == len(values)
    batched.flush()  # nothing pending: nothing added twice
    assert samples("batched_seconds") == samples("plain_seconds")


def test_batched_observations_flush_after_the_interval_and_when_the_registry_is_read() -> None:
    registry = CollectorRegistry()
    target = Histogram("interval_seconds", "x", buckets=(0.1,), registry=registry)
    batched = metrics.BatchedHistogram(target, (0.1,), interval=10.0)
    start = time.perf_counter()
    batched.observe(0.05, start)
    assert registry.get_sample_value("interval_seconds_count") == 0
    batched.observe(0.05, start + 11.0)  # ten seconds after the last flush: both flushed
    assert registry.get_sample_value("interval_seconds_count") == 2

    before = metrics.REGISTRY.get_sample_value("microreach_redirect_duration_seconds_count")
    metrics.REDIRECT_TIMES.observe(0.0002, time.perf_counter())
    # The default registry flushes batched observations before it reads any metric.
    after = metrics.REGISTRY.get_sample_value("microreach_redirect_duration_seconds_count")
    assert after == (before or 0) + 1


def test_a_batched_histogram_needs_the_buckets_of_its_histogram() -> None:
    target = Histogram("mismatch_seconds", "x", buckets=(0.1, 1.0), registry=CollectorRegistry())
    with pytest.raises(ValueError, match="mismatch_seconds"):
        metrics.BatchedHistogram(target, (0.1,), interval=1.0)
