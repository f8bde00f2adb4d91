"""The privacy tests reuse the campaigns tests' browsers (one client per person)."""

from tests.campaigns.conftest import new_client

__all__ = ["new_client"]
