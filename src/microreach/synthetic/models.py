"""What the generator knows and the data does not show: runs and the ground truth per account."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from microreach.db.base import Base
from microreach.kit.clock import utcnow


class GenerationRun(Base):
    """One seed generated into this database, so re-runs reuse its reference time."""

    __tablename__ = "synthetic_runs"

    seed: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=False)
    as_of: Mapped[datetime]
    creators: Mapped[int] = mapped_column(sa.BigInteger)
    model_version: Mapped[str] = mapped_column(sa.String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class SyntheticTruth(Base):
    """The generator's labels for an account: its true niche and the fraud it was given.

    Evaluation compares what the science finds with this; the product never reads it.
    """

    __tablename__ = "synthetic_truth"

    account_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("platform_accounts.id", ondelete="CASCADE"), primary_key=True
    )
    niche: Mapped[str] = mapped_column(sa.String(32))
    fraud: Mapped[str | None] = mapped_column(sa.String(32))
    pod: Mapped[int | None]
