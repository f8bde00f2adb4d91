"""Every query of the conversions domain; each read and write takes the organisation.

Attribution reads one click and its link, and the ledger's totals read click rollups: those
are the links domain's tables, read here (read-only, by primary key or index) because
links.service offers no read by click id (as discovery reads its sources).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Literal

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from microreach.conversions.attribution import ClickEvidence
from microreach.conversions.models import Conversion, PromoCode
from microreach.links.models import Click, ClickRollup, Link

GroupBy = Literal["link", "creator", "campaign"]


@dataclass(frozen=True, slots=True)
class TotalRow:
    key: uuid.UUID | None
    currency: str
    conversions: int
    revenue_minor: int


def insert(session: Session, row: PromoCode | Conversion) -> bool:
    """Insert in a savepoint; False (and nothing written) when a unique key is taken."""
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        return False
    return True


# Promo codes


def get_code(session: Session, organisation_id: uuid.UUID, code_id: uuid.UUID) -> PromoCode | None:
    return session.scalar(
        sa.select(PromoCode).where(
            PromoCode.id == code_id, PromoCode.organisation_id == organisation_id
        )
    )


def code_by_key(session: Session, organisation_id: uuid.UUID, key: str) -> PromoCode | None:
    return session.scalar(
        sa.select(PromoCode).where(
            PromoCode.organisation_id == organisation_id, PromoCode.code_key == key
        )
    )


def list_codes(
    session: Session,
    organisation_id: uuid.UUID,
    *,
    creator_id: uuid.UUID | None = None,
    campaign_id: uuid.UUID | None = None,
) -> list[PromoCode]:
    query = sa.select(PromoCode).where(PromoCode.organisation_id == organisation_id)
    if creator_id is not None:
        query = query.where(PromoCode.creator_id == creator_id)
    if campaign_id is not None:
        query = query.where(PromoCode.campaign_id == campaign_id)
    return list(session.scalars(query.order_by(PromoCode.code_key)))


# Conversions


def conversion_by_order(
    session: Session, organisation_id: uuid.UUID, order_id: str
) -> Conversion | None:
    return session.scalar(
        sa.select(Conversion).where(
            Conversion.organisation_id == organisation_id, Conversion.order_id == order_id
        )
    )


def click_evidence(
    session: Session, organisation_id: uuid.UUID, click_id: uuid.UUID
) -> ClickEvidence | None:
    """The click with id `click_id` when it was made on a link of the organisation."""
    row = session.execute(
        sa.select(Click.occurred_at, Click.is_bot, Link.id, Link.creator_id, Link.campaign_id)
        .join(Link, Link.id == Click.link_id)
        .where(Click.id == click_id, Link.organisation_id == organisation_id)
    ).one_or_none()
    if row is None:
        return None
    return ClickEvidence(
        link_id=row.id,
        creator_id=row.creator_id,
        campaign_id=row.campaign_id,
        occurred_at=row.occurred_at,
        is_bot=row.is_bot,
    )


def totals(
    session: Session,
    organisation_id: uuid.UUID,
    by: GroupBy,
    *,
    campaign_id: uuid.UUID | None = None,
    creator_id: uuid.UUID | None = None,
) -> list[TotalRow]:
    """Conversions and revenue per `by` and currency; the key is None for those without one."""
    column = {
        "link": Conversion.link_id,
        "creator": Conversion.creator_id,
        "campaign": Conversion.campaign_id,
    }[by]
    query = sa.select(
        column, Conversion.currency, sa.func.count(), sa.func.sum(Conversion.amount_minor)
    ).where(Conversion.organisation_id == organisation_id)
    if campaign_id is not None:
        query = query.where(Conversion.campaign_id == campaign_id)
    if creator_id is not None:
        query = query.where(Conversion.creator_id == creator_id)
    query = query.group_by(column, Conversion.currency)
    return [
        TotalRow(key, currency, int(count), int(revenue or 0))
        for key, currency, count, revenue in session.execute(query)
    ]


def human_clicks(
    session: Session, organisation_id: uuid.UUID, campaign_id: uuid.UUID, creator_id: uuid.UUID
) -> int:
    """Rolled-up human clicks on the organisation's links of one creator in one campaign."""
    total = session.scalar(
        sa.select(sa.func.sum(ClickRollup.clicks))
        .join(Link, Link.id == ClickRollup.link_id)
        .where(
            Link.organisation_id == organisation_id,
            Link.campaign_id == campaign_id,
            Link.creator_id == creator_id,
            ClickRollup.is_bot.is_(False),
        )
    )
    return int(total or 0)
