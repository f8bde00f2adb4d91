"""The privacy log: an append-only record of erasures and retention runs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from microreach.db.base import Base, PortableJSON, UUIDPrimaryKey
from microreach.kit.clock import utcnow


class PrivacyEvent(UUIDPrimaryKey, Base):
    """One erasure (`forget`) or retention run: what was done, to what, by whom, and counts.

    The subject is an opaque id (the creator's uuid), never a name or handle, so the log keeps
    no personal data of the person it records forgetting."""

    __tablename__ = "privacy_events"

    kind: Mapped[str] = mapped_column(sa.String(32), index=True)
    subject: Mapped[str | None] = mapped_column(sa.String(80))
    actor: Mapped[str] = mapped_column(sa.String(200))
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    details: Mapped[dict[str, Any]] = mapped_column(PortableJSON, default=dict)


__all__ = ["PrivacyEvent"]
