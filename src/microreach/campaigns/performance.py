"""The interface through which the ledger learns a creator's attributed performance.

``attributed_performance(session, organisation_id, campaign_id, creator_id)`` returns the
clicks, conversions and revenue (minor units of the campaign's currency) attributed to one
creator in one campaign. The links work records clicks (``links.campaign_id`` and
``links.creator_id``) and will record conversions; until ``links.service`` offers that
aggregate, this returns zeros, and the ledger's performance pay is zero. When it does, only
the body of this function changes: call the links service's read, scoped to the organisation.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.orm import Session


@dataclass(frozen=True, slots=True)
class Performance:
    clicks: int = 0
    conversions: int = 0
    revenue_minor: int = 0


NO_PERFORMANCE = Performance()


def attributed_performance(
    session: Session, organisation_id: uuid.UUID, campaign_id: uuid.UUID, creator_id: uuid.UUID
) -> Performance:
    """Clicks, conversions and revenue attributed to ``creator_id`` in ``campaign_id``.

    Zeros until links provides attribution (see the module docstring).
    """
    del session, organisation_id, campaign_id, creator_id  # read once links provides it
    return NO_PERFORMANCE
