"""Closed vocabularies of the connectors domain."""

from __future__ import annotations

from enum import StrEnum


class ConnectionStatus(StrEnum):
    ACTIVE = "active"
    EXPIRED = "expired"  # a refresh failed or the platform said the token expired
    REVOKED = "revoked"  # the person removed the app: only reconnecting helps
