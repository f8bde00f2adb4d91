"""Lists tests: an organisation with members of each role, accounts, and HTTP clients."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from microreach.accounts.context import OrgContext
from microreach.accounts.enums import Role
from microreach.config import Settings
from microreach.db.session import Database
from microreach.discovery import service as discovery
from microreach.discovery.indexer import IndexResult
from microreach.scores import service as scores
from microreach.synthetic import service as synthetic
from tests.accounts.support import add_member, make_organisation, make_user
from tests.web.support import TestClient, running_client


@dataclass
class Team:
    owner: OrgContext
    member: OrgContext
    viewer: OrgContext
    other: OrgContext  # the owner of another organisation


@pytest.fixture
def team(session: Session) -> Team:
    owner = make_user(session, display_name="Olga Owner")
    organisation = make_organisation(session, owner, "Lists Org")
    member, viewer = make_user(session, display_name="Max Member"), make_user(session)
    add_member(session, organisation, member, Role.MEMBER)
    add_member(session, organisation, viewer, Role.VIEWER)
    stranger = make_user(session)
    elsewhere = make_organisation(session, stranger, "Other Org")
    return Team(
        owner=OrgContext(organisation, owner, Role.OWNER),
        member=OrgContext(organisation, member, Role.MEMBER),
        viewer=OrgContext(organisation, viewer, Role.VIEWER),
        other=OrgContext(elsewhere, stranger, Role.OWNER),
    )


@pytest.fixture
def new_client(settings: Settings, database: Database) -> Iterator[Callable[[], TestClient]]:
    with ExitStack() as stack:
        yield lambda: stack.enter_context(running_client(settings, database))


AS_OF = datetime(2026, 6, 1, tzinfo=UTC)


@pytest.fixture
def indexed(connection: Connection) -> IndexResult:
    """A small scored synthetic population in the discovery index."""
    synthetic.generate(connection, creators=40, seed=7, secret_key="k", as_of=AS_OF)
    scores.score_all(connection, tier_scheme="brief", now=AS_OF + timedelta(days=1))
    return discovery.refresh_index(connection, tier_scheme="brief")
