"""`microreach export` / `import-bundle`: an organisation's data leaves as a bundle and comes
back into an empty instance unchanged (the round trip compares the two bundles file by file),
with nothing of another organisation and no secret of the instance in it."""

from __future__ import annotations

import csv
import json
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from microreach.accounts.models import Organisation
from microreach.db import migrate
from microreach.db.engine import make_engine, make_sessionmaker
from microreach.kit.clock import utcnow
from microreach.kit.errors import ConflictError, InvalidError, NotFoundError
from microreach.links.models import Link
from microreach.privacy import bundle
from tests.campaigns.support import accepted, brand, create_campaign
from tests.conversions.conftest import make_click
from tests.factories import make_account, make_post
from tests.web.support import TestClient


@pytest.fixture
def target(tmp_path: Path) -> Iterator[Engine]:
    """An empty instance: a fresh SQLite database at the code's schema."""
    engine = make_engine(f"sqlite:///{tmp_path / 'target.db'}")
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


def _organisation(session: Session, name: str) -> Organisation:
    return session.execute(sa.select(Organisation).where(Organisation.name == name)).scalar_one()


def _seed(new_client: Callable[[], TestClient], session: Session) -> tuple[Organisation, Link]:
    """Two organisations; the first with a campaign, an accepted creator, a link with clicks."""
    account = make_account(session, handle="sunny.runs")
    post = make_post(session, account)
    shop, cre, rival = new_client(), new_client(), new_client()
    brand(shop)
    campaign, _portal, _items = accepted(shop, cre, str(account.id))
    organisation = _organisation(session, "Swift Shoes")
    link = Link(
        organisation_id=organisation.id,
        slug=f"b{uuid.uuid4().hex[:8]}",
        destination="https://shop.example.com/",
        creator_id=account.creator_id,
        campaign_id=uuid.UUID(campaign["id"]),
    )
    session.add(link)
    session.flush()
    for hours in (1, 2, 3):
        make_click(session, link, utcnow() - timedelta(hours=hours))
    make_click(session, link, utcnow() - timedelta(hours=4), bot=True)
    brand(rival, email="rival@example.com", org="Rival Runners")
    create_campaign(rival, name="Not yours")
    del post
    return organisation, link


def _files(directory: Path) -> dict[str, bytes]:
    return {
        path.name: path.read_bytes()
        for path in sorted(directory.iterdir())
        if path.name != "manifest.json"
    }


def test_round_trip_into_an_empty_instance(
    new_client: Callable[[], TestClient], session: Session, target: Engine, tmp_path: Path
) -> None:
    organisation, link = _seed(new_client, session)
    first = tmp_path / "first"
    summary = bundle.write(session, organisation.slug, first)
    assert summary.tables["clicks"] == 4
    assert summary.tables["campaigns"] == 1
    assert summary.tables["organisations"] == 1

    with make_sessionmaker(target)() as other, other.begin():
        restored = bundle.restore(other, first)
    assert restored.tables["clicks"] == 4
    with make_sessionmaker(target)() as other:
        second = tmp_path / "second"
        bundle.write(other, organisation.slug, second)
        slugs = other.execute(sa.select(Link.slug)).scalars().all()
    assert slugs == [link.slug]
    assert _files(first) == _files(second)
    one = json.loads((first / "manifest.json").read_text())
    two = json.loads((second / "manifest.json").read_text())
    assert one["tables"] == two["tables"]


def test_the_bundle_holds_nothing_of_another_organisation_and_no_secret(
    new_client: Callable[[], TestClient], session: Session, tmp_path: Path
) -> None:
    organisation, _link = _seed(new_client, session)
    out = tmp_path / "bundle"
    bundle.write(session, organisation.slug, out)
    text = "".join(path.read_text(encoding="utf-8") for path in out.glob("*.jsonl"))
    assert "Rival Runners" not in text and "Not yours" not in text
    assert "rival@example.com" not in text
    assert "$argon2" not in text
    manifest = json.loads((out / "manifest.json").read_text())
    for secret in ("user_sessions", "api_keys", "password_resets", "link_visitors"):
        assert secret not in manifest["tables"]
        assert secret in manifest["not_exported"]
    assert manifest["tables"]["users"]["role"] == "reference"
    assert manifest["tables"]["clicks"]["role"] == "child"
    assert manifest["tables"]["platform_accounts"]["role"] == "reference"
    # The CSV twin of a table has the same rows as its JSON Lines file.
    with (out / "clicks.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    lines = (out / "clicks.jsonl").read_text(encoding="utf-8").splitlines()
    assert [row["id"] for row in rows] == [json.loads(line)["id"] for line in lines]


def test_restoring_twice_or_a_changed_bundle_is_refused(
    new_client: Callable[[], TestClient], session: Session, target: Engine, tmp_path: Path
) -> None:
    organisation, _link = _seed(new_client, session)
    out = tmp_path / "bundle"
    bundle.write(session, organisation.slug, out)
    with make_sessionmaker(target)() as other, other.begin():
        bundle.restore(other, out)
    with (
        make_sessionmaker(target)() as other,
        other.begin(),
        pytest.raises(ConflictError, match="already exists"),
    ):
        bundle.restore(other, out)

    clicks = out / "clicks.jsonl"
    clicks.write_text(clicks.read_text().replace('"is_bot": false', '"is_bot": true', 1))
    with make_sessionmaker(target)() as other, pytest.raises(InvalidError, match="SHA-256"):
        bundle.restore(other, out)


def test_bad_arguments_name_what_is_wrong(session: Session, tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="--org"):
        bundle.write(session, "no-such-org", tmp_path / "x")
    with pytest.raises(InvalidError, match="not a bundle"):
        bundle.restore(session, tmp_path)
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("mine")
    with pytest.raises(InvalidError, match="not empty"):
        bundle.write(session, "no-such-org", tmp_path / "full")
