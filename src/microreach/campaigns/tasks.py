"""Jobs of the campaigns domain: deliverables whose due date passed without a live post are
marked missed, through the deliverable state machine, with an audit event by the system.

"Without a live post" means the deliverable never reached `posted`: it is pending, has a draft
submitted, changes requested or an approved draft. A posted deliverable whose check failed is
left for the brand to decide. Due dates are UTC days: a deliverable due on the 3rd is missed
from the 4th, 00:00 UTC. Only active campaigns are swept (a completed or archived campaign's
record is what the brand closed it with). Running twice changes nothing: a missed deliverable
is final, and rows another run is marking (a row lock) are skipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from microreach.campaigns import audit, repository
from microreach.campaigns.deliverables import move
from microreach.campaigns.enums import CampaignStatus, DeliverableStatus
from microreach.jobs import JobContext, NoArgs, job

NOT_POSTED = (
    DeliverableStatus.PENDING,
    DeliverableStatus.DRAFT_SUBMITTED,
    DeliverableStatus.CHANGES_REQUESTED,
    DeliverableStatus.APPROVED,
)
SWEPT_CAMPAIGNS = (CampaignStatus.ACTIVE,)
REASON = "due date passed without a live post"


@dataclass(frozen=True)
class MissedResult:
    marked: int


def mark_missed_deliverables(session: Session, now: datetime) -> MissedResult:
    """Mark every overdue deliverable without a live post missed (the caller commits)."""
    marked = 0
    while True:
        batch = repository.overdue_deliverables(session, now.date(), NOT_POSTED, SWEPT_CAMPAIGNS)
        for deliverable in batch:
            before = move(deliverable, DeliverableStatus.MISSED, now)
            audit.record(
                session,
                deliverable.organisation_id,
                deliverable.campaign_id,
                None,
                "deliverable.status",
                now,
                deliverable=str(deliverable.id),
                before=before.value,
                after=DeliverableStatus.MISSED.value,
                due_on=deliverable.due_on.isoformat(),
                note=REASON,
                by_hand=False,
            )
            marked += 1
        session.flush()
        if not batch:
            return MissedResult(marked)


@job("campaigns.mark_missed_deliverables", NoArgs)
def mark_missed_job(ctx: JobContext, _args: NoArgs) -> str:
    with ctx.database.transaction() as session:
        result = mark_missed_deliverables(session, ctx.now())
    return f"{result.marked} deliverables marked missed"
