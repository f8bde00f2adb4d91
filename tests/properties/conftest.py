"""Hypothesis profiles: `ci` (the default) is deterministic and bounded so the property tests
take well under a minute; `dev` explores more (HYPOTHESIS_PROFILE=dev)."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

# derandomize: the same examples every run, so CI never fails on a new draw; no example
# database, so nothing is written into the checkout.
settings.register_profile(
    "ci",
    derandomize=True,
    database=None,
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.register_profile("dev", max_examples=1000, deadline=None, database=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
