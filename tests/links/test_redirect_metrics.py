"""The redirect path reports to Prometheus: its latency, clicks accepted and clicks written."""

from __future__ import annotations

from prometheus_client import REGISTRY

from tests.links.conftest import Tenant
from tests.links.test_api import create
from tests.web.support import TestClient


def _value(name: str) -> float:
    return REGISTRY.get_sample_value(name) or 0.0


def test_a_redirect_is_timed_and_its_click_counted(client: TestClient, tenant: Tenant) -> None:
    link = create(client, tenant)
    before = {
        name: _value(name)
        for name in (
            "microreach_redirect_duration_seconds_count",
            "microreach_clicks_accepted_total",
            "microreach_clicks_written_total",
        )
    }
    for _ in range(3):
        assert client.get(f"/{link['slug']}", follow_redirects=False).status_code == 302
    client.head(f"/{link['slug']}", follow_redirects=False)  # timed, not a click
    assert _value("microreach_redirect_duration_seconds_count") == (
        before["microreach_redirect_duration_seconds_count"] + 4
    )
    assert (
        _value("microreach_clicks_accepted_total") == before["microreach_clicks_accepted_total"] + 3
    )
    assert (
        _value("microreach_clicks_written_total") == before["microreach_clicks_written_total"] + 3
    )
