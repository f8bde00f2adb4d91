"""CSV export of a list: one row per member with its key numbers, tags and notes count.

Cells are written by the csv module; a text cell that a spreadsheet would read as a formula
(starting with = + - @, a tab or a carriage return) gets a leading apostrophe."""

from __future__ import annotations

import csv
import io
import re
import uuid
from collections.abc import Iterable, Iterator, Sequence

from sqlalchemy.orm import Session

from microreach.accounts.context import OrgContext
from microreach.lists import service
from microreach.lists.schemas import MemberOut

HEADER = (
    "handle",
    "platform",
    "profile_url",
    "followers",
    "tier",
    "engagement_rate_pct",
    "engagement_rate_low_pct",
    "engagement_rate_high_pct",
    "peer_percentile",
    "authenticity",
    "niches",
    "country",
    "has_contact_email",
    "tags",
    "notes",
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def _pct(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.2f}"


def _yes_no(value: bool | None) -> str:
    return "" if value is None else ("yes" if value else "no")


def row_of(member: MemberOut) -> list[str]:
    values: Sequence[object] = (
        member.handle,
        member.platform,
        member.profile_url,
        member.followers,
        member.tier,
        _pct(member.er_typical),
        _pct(member.er_low),
        _pct(member.er_high),
        "" if member.er_percentile is None else f"{member.er_percentile:.0f}",
        member.authenticity,
        "; ".join(member.niches),
        member.country,
        _yes_no(member.has_email),
        "; ".join(member.tags),
        member.notes,
    )
    return [safe_cell(v) for v in values]


def export(
    session: Session, ctx: OrgContext, list_id: uuid.UUID, tag: str | None = None
) -> tuple[str, list[list[str]]]:
    """The file name and the rows (header first) of the list; read now, while the session is
    open, and streamed afterwards."""
    found = service.detail(session, ctx, list_id, tag)
    rows = [list(HEADER), *(row_of(m) for m in found.member_list)]
    return f"{file_stem(found.name)}.csv", rows


def file_stem(name: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-._")
    return stem[:80] or "list"


def csv_lines(rows: Iterable[list[str]]) -> Iterator[str]:
    """Each row as one CSV line (RFC 4180 quoting, CRLF endings)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow(row)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
