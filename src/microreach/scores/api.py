"""JSON routes of the scores domain: one account's stored scores under /api/v1/accounts."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter

from microreach.scores import service
from microreach.scores.schemas import AccountScoresOut
from microreach.web.deps import SessionDep
from microreach.web.errors import NOT_FOUND_RESPONSES, Problem

router = APIRouter(prefix="/api/v1/accounts", tags=["scores"])

SCORES_RESPONSES: dict[int | str, dict[str, Any]] = {
    **NOT_FOUND_RESPONSES,
    409: {
        "model": Problem,
        "description": "The account exists but has not been scored yet: the periodic scoring "
        "job scores it within minutes, `microreach score` at once.",
    },
}


@router.get("/{account_id}/scores", summary="Get one account's scores", responses=SCORES_RESPONSES)
def get_account_scores(account_id: uuid.UUID, session: SessionDep) -> AccountScoresOut:
    """What the scoring job stored for the account: tier, niches, engagement rate with its 90%
    interval and peer percentile, follower growth and anomalies, the authenticity and
    relationship scores with every signal (value, peer range, contribution, freshness) and
    sponsored-post disclosure. Rates and shares are fractions (0.024 is 2.4%), growth is in
    percent. `stale` is true when newer data arrived after scoring.

    404 when there is no such account; 409 when the account has not been scored yet."""
    return service.get_account_scores(session, account_id)
