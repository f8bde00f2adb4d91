"""Clicks: the (link_id, occurred_at) index becomes (occurred_at, link_id).

Led by the link, each batch of clicks wrote one index page per link it touched (a thousand
pages per commit over a thousand links, about half the click writer's work); led by the time,
a batch adds to the end of the index, as it does to the primary key (UUIDv7) and to
`recorded_at`. The rollup job now reads each touched hour's clicks of the touched links
through this index.

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-26 14:10:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_clicks_occurred_at_link_id", "clicks", ["occurred_at", "link_id"])
    op.drop_index("ix_clicks_link_id_occurred_at", table_name="clicks")


def downgrade() -> None:
    op.create_index("ix_clicks_link_id_occurred_at", "clicks", ["link_id", "occurred_at"])
    op.drop_index("ix_clicks_occurred_at_link_id", table_name="clicks")
