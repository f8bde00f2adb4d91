"""The hand-checked campaign of tests/reports/campaign_world.py, opened in a browser by its
owner: the page and download tests of the report and of its shared links use it."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy.orm import Session

from microreach.accounts.enums import Role
from microreach.config import Settings
from microreach.db.session import Database
from microreach.reports import service
from microreach.reports.document import ReportDocument
from microreach.reports.render import values
from tests.accounts.support import add_member, sign_in, token
from tests.reports.campaign_world import World, build
from tests.web.support import TestClient, running_client


@dataclass
class Browser:
    client: TestClient
    world: World

    @property
    def base(self) -> str:
        return f"/campaigns/{self.world.campaign.id}"

    def document(self, session: Session) -> ReportDocument:
        return service.campaign_document(session, self.world.ctx, self.world.campaign.id)

    def form(self, path: str, data: dict[str, str]) -> object:
        fields = {**data, "csrf_token": token(self.client, f"{self.base}/report")}
        return self.client.post(path, data=fields, follow_redirects=False)


@contextmanager
def owner_browser(session: Session, settings: Settings, database: Database) -> Iterator[Browser]:
    world = build(session)
    assert world.ctx.user is not None
    add_member(session, world.organisation, world.ctx.user, Role.OWNER)
    with running_client(settings, database) as client:
        sign_in(client, world.ctx.user.email)
        yield Browser(client, world)


def csv_rows(body: bytes) -> list[list[str]]:
    text = body.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def number_of(shown: str) -> tuple[float, int]:
    """The number in a displayed value and how many decimals it shows."""
    match = re.search(r"-?[\d,]+(?:\.(\d+))?", shown)
    assert match, shown
    return float(match.group(0).replace(",", "")), len(match.group(1) or "")


def assert_same_number(shown: str, written: object, scale: float = 1.0) -> None:
    """The exported value (times ``scale``) rounds to the number the page shows: within half a
    unit of its last decimal (a tie may round either way)."""
    if shown == values.MISSING:
        assert written in ("", None)
        return
    number, decimals = number_of(shown)
    assert isinstance(written, str | int | float), (shown, written)
    error = abs(float(written) * scale - number)
    assert error <= 0.5 * 10**-decimals + 1e-9, (shown, written)


NUMERIC = ("count", "money", "percent", "ratio", "number")
