"""Logins made by operators: `microreach users create` and the demo login."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from microreach.accounts import service
from microreach.accounts.enums import Role
from microreach.accounts.models import Membership, Organisation, User
from microreach.accounts.security import verify_password
from microreach.cli import app as cli_app
from microreach.config import Environment, Settings, get_settings
from microreach.db import migrate
from microreach.db.engine import make_engine
from microreach.kit.clock import utcnow
from microreach.kit.errors import ConflictError, ForbiddenError, InvalidError
from tests.accounts.support import PASSWORD, make_organisation, sign_in
from tests.web.support import TestClient


@pytest.fixture
def cli_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    """A migrated SQLite file of its own: the command commits, so it must not share the
    test database."""
    engine = make_engine(f"sqlite:///{tmp_path / 'microreach.db'}")
    migrate.upgrade(engine)
    engine.dispose()
    get_settings.cache_clear()
    yield {"MICROREACH_DATA_DIR": str(tmp_path), "MICROREACH_ENV": "test"}
    get_settings.cache_clear()


def _rows(tmp: str) -> list[tuple[str, str, str]]:
    engine = sa.create_engine(f"sqlite:///{Path(tmp) / 'microreach.db'}")
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(User.email, Organisation.slug, Membership.role)
            .join(Membership, Membership.user_id == User.id)
            .join(Organisation, Organisation.id == Membership.organisation_id)
            .order_by(User.email)
        ).all()
    engine.dispose()
    return [(email, slug, str(role)) for email, slug, role in rows]


def test_users_create_prompts_for_the_password(cli_env: dict[str, str]) -> None:
    runner = CliRunner()
    args = ["users", "create", "--email", "Ops@Example.com", "--org", "Acme Coffee"]

    first = runner.invoke(cli_app, args, input=f"{PASSWORD}\n{PASSWORD}\n", env=cli_env)
    member = runner.invoke(
        cli_app,
        [*args[:3], "viewer@example.com", "--org", "acme-coffee", "--role", "viewer"],
        input=f"{PASSWORD}\n{PASSWORD}\n",
        env=cli_env,
    )

    assert first.exit_code == 0, first.output
    assert "created ops@example.com as owner of Acme Coffee (slug acme-coffee)" in first.output
    assert PASSWORD not in first.output
    assert member.exit_code == 0, member.output
    assert _rows(cli_env["MICROREACH_DATA_DIR"]) == [
        ("ops@example.com", "acme-coffee", "owner"),
        ("viewer@example.com", "acme-coffee", "viewer"),
    ]


def test_users_create_refuses_a_weak_password(cli_env: dict[str, str]) -> None:
    result = CliRunner().invoke(
        cli_app,
        ["users", "create", "--email", "ops@example.com", "--org", "Acme"],
        input="short\nshort\n",
        env=cli_env,
    )

    assert result.exit_code != 0
    assert isinstance(result.exception, InvalidError)
    assert "Use at least 10 characters" in str(result.exception)
    assert _rows(cli_env["MICROREACH_DATA_DIR"]) == []


def test_operator_users_join_an_existing_organisation(session: Session) -> None:
    existing = make_organisation(session, name="Acme Coffee")

    user, organisation = service.create_operator_user(
        session, "New@Example.com", PASSWORD, "Acme Coffee", Role.ADMIN, utcnow()
    )

    assert organisation.id == existing.id and user.email == "new@example.com"
    membership = session.scalars(sa.select(Membership).where(Membership.user_id == user.id)).one()
    assert membership.role is Role.ADMIN
    with pytest.raises(ConflictError):
        service.create_operator_user(
            session, "new@example.com", PASSWORD, "x", Role.OWNER, utcnow()
        )
    with pytest.raises(InvalidError, match="its first member must be an owner"):
        service.create_operator_user(
            session, "b@example.com", PASSWORD, "Nope", Role.ADMIN, utcnow()
        )


def test_the_demo_login_is_idempotent_and_signs_in(
    client: TestClient, session: Session, settings: Settings
) -> None:
    first = service.ensure_demo_login(session, settings)
    second = service.ensure_demo_login(session, settings)

    assert first == second == (service.DEMO_EMAIL, service.DEMO_PASSWORD)
    user = session.scalars(sa.select(User).where(User.email == service.DEMO_EMAIL)).one()
    assert session.scalar(sa.select(sa.func.count()).select_from(Membership)) == 1
    assert session.scalars(sa.select(Organisation.name)).one() == service.DEMO_ORGANISATION
    user.password_hash = "changed elsewhere"
    session.flush()
    service.ensure_demo_login(session, settings)
    assert verify_password(user.password_hash, service.DEMO_PASSWORD)

    sign_in(client, *first)
    assert "Demo Brand" in client.get("/organisation").text


def test_the_demo_login_is_refused_in_production(session: Session, settings: Settings) -> None:
    production = settings.model_copy(update={"env": Environment.PRODUCTION})

    with pytest.raises(ForbiddenError, match="not available when MICROREACH_ENV=production"):
        service.ensure_demo_login(session, production)
    assert session.scalars(sa.select(User)).all() == []
