"""The interface through which the ledger learns a creator's attributed performance.

``attributed_performance(session, organisation_id, campaign_id, creator_id, currency)`` returns
the human clicks on the creator's links in the campaign (from the hourly rollups), the
conversions attributed to the creator in the campaign, and their revenue in the campaign's
currency (minor units; revenue in other currencies is never converted or added). The figures
come from ``conversions.service.creator_campaign_performance``, scoped to the organisation;
the attribution rule is in docs/metrics.md ("Attribution").
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.orm import Session

from microreach.conversions import service as conversions_service


@dataclass(frozen=True, slots=True)
class Performance:
    clicks: int = 0
    conversions: int = 0
    revenue_minor: int = 0


NO_PERFORMANCE = Performance()


def attributed_performance(
    session: Session,
    organisation_id: uuid.UUID,
    campaign_id: uuid.UUID,
    creator_id: uuid.UUID,
    currency: str,
) -> Performance:
    """Clicks, conversions and revenue in ``currency`` attributed to ``creator_id`` in
    ``campaign_id``."""
    done = conversions_service.creator_campaign_performance(
        session, organisation_id, campaign_id, creator_id
    )
    return Performance(done.clicks, done.conversions, done.revenue_minor.get(currency, 0))
