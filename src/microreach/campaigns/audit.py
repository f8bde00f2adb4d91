"""The campaign audit log: who changed what, appended by every service function that changes
a campaign, its creators, deliverables or drafts; never updated or deleted."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from microreach.accounts.models import User
from microreach.campaigns import repository
from microreach.campaigns.models import AuditEvent


def actor_label(user: User | None, api_key_name: str | None = None) -> str:
    if user is not None:
        return f"{user.display_name} <{user.email}>"
    return f"API key {api_key_name}" if api_key_name else "system"


def record(
    session: Session,
    organisation_id: uuid.UUID,
    campaign_id: uuid.UUID,
    user: User | None,
    action: str,
    now: datetime,
    **detail: Any,
) -> AuditEvent:
    return repository.add(
        session,
        AuditEvent(
            organisation_id=organisation_id,
            campaign_id=campaign_id,
            actor_id=user.id if user is not None else None,
            actor=actor_label(user),
            action=action,
            detail=detail,
            at=now,
        ),
    )
