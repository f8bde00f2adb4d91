"""Custom short domains: add (checked host name), prove control by a DNS TXT record, enable,
disable, remove.

Verification: the organisation publishes a TXT record at `_microreach.<host>` whose value is
`microreach-verify=<HMAC of organisation and host under the installation key>`, so the value
needs no storage, differs per organisation and cannot be guessed by another one. "Check" asks a
resolver (dnspython by default, any function in tests) for that name's TXT strings. Only a
verified domain can be enabled; only enabled domains resolve on the redirect path and can be
chosen for new links.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import re
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from microreach.accounts.context import OrgContext
from microreach.accounts.enums import ApiScope, Role
from microreach.config import Settings
from microreach.kit.errors import ConflictError, InvalidError, NotFoundError
from microreach.links import repository
from microreach.links.errors import shown
from microreach.links.models import ShortDomain
from microreach.links.schemas import DomainOut

TxtResolver = Callable[[str], Sequence[str]]
TXT_PREFIX = "_microreach"
VALUE_PREFIX = "microreach-verify="
LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
MAX_HOST_LENGTH = 253
PURPOSE = b"microreach short domain verification"


def system_txt_resolver(name: str) -> list[str]:
    """TXT strings of `name` from the system's DNS resolver (5 s); none when it has none."""
    import dns.exception
    import dns.resolver

    try:
        answer = dns.resolver.resolve(name, "TXT", lifetime=5)
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer, dns.resolver.NoNameservers):
        return []
    except dns.exception.Timeout:
        raise InvalidError(
            f"DNS did not answer for {name} in time; try again", field="host"
        ) from None
    return [b"".join(record.strings).decode("utf-8", "replace") for record in answer]


def normalise_host(raw: str, settings: Settings) -> str:
    """A lower-case ASCII host name with at least two labels, or InvalidError naming `host`."""
    text = raw.strip().rstrip(".").lower()
    if "://" in text or "/" in text or ":" in text or "@" in text:
        raise InvalidError(
            f"{shown(raw)} is not a bare host name; give only the name, like go.example.com",
            field="host",
        )
    try:
        host = text if text.isascii() else text.encode("idna").decode("ascii")
    except UnicodeError:
        raise InvalidError(f"{shown(raw)} is not a valid host name", field="host") from None
    _check_labels(raw, host)
    app_host = urlsplit(settings.resolved_public_url).hostname
    if host == app_host:
        raise InvalidError(
            f"{shown(raw)} is the app's own host; links use it already", field="host"
        )
    return host


def _check_labels(raw: str, host: str) -> None:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        raise InvalidError(f"{shown(raw)} is an IP address; use a host name", field="host")
    labels = host.split(".")
    if not host or len(host) > MAX_HOST_LENGTH or len(labels) < 2:
        raise InvalidError(
            f"{shown(raw)} is not a full host name; it needs a dot, like go.example.com",
            field="host",
        )
    bad = [label for label in labels if not LABEL.fullmatch(label)]
    if bad or labels[-1].isdigit():
        raise InvalidError(
            f"{shown(raw)} has an invalid part {shown(bad[0] if bad else labels[-1])}: use "
            "letters, digits and '-' (not at either end), at most 63 per part",
            field="host",
        )


def txt_name(host: str) -> str:
    return f"{TXT_PREFIX}.{host}"


def txt_value(settings: Settings, organisation_id: uuid.UUID, host: str) -> str:
    key = hmac.new((settings.secret_key or "").encode(), PURPOSE, hashlib.sha256).digest()
    mac = hmac.new(key, f"{organisation_id}:{host}".encode(), hashlib.sha256).hexdigest()
    return f"{VALUE_PREFIX}{mac[:32]}"


def list_domains(session: Session, settings: Settings, ctx: OrgContext) -> list[DomainOut]:
    _require_read(ctx)
    return [
        _out(session, settings, d) for d in repository.list_domains(session, ctx.organisation.id)
    ]


def enabled_hosts(session: Session, ctx: OrgContext) -> list[str]:
    """Hosts a new link of the organisation may use."""
    return [d.host for d in repository.list_domains(session, ctx.organisation.id) if d.enabled]


def add_domain(
    session: Session, settings: Settings, ctx: OrgContext, raw_host: str, now: datetime
) -> DomainOut:
    _require_admin(ctx)
    host = normalise_host(raw_host, settings)
    domain = ShortDomain(
        id=uuid.uuid4(), organisation_id=ctx.organisation.id, host=host, created_at=now
    )
    if repository.host_taken(session, host) or not repository.insert_row(session, domain):
        raise ConflictError(f"{host} is already added to microreach", field="host")
    return _out(session, settings, domain)


def check_domain(
    session: Session,
    settings: Settings,
    ctx: OrgContext,
    domain_id: uuid.UUID,
    resolver: TxtResolver,
    now: datetime,
) -> DomainOut:
    """Look for the TXT record; marks the domain verified when it holds the expected value."""
    _require_admin(ctx)
    domain = _domain(session, ctx, domain_id)
    expected = txt_value(settings, ctx.organisation.id, domain.host)
    found = [value.strip().strip('"') for value in resolver(txt_name(domain.host))]
    if expected not in found:
        seen = ", ".join(repr(value) for value in found[:3]) or "no TXT record"
        raise InvalidError(
            f"{txt_name(domain.host)} has {seen}; add a TXT record there with the value "
            f"{expected} and check again (DNS changes can take a while to show)",
            field="host",
        )
    if domain.verified_at is None:
        domain.verified_at = now
        session.flush()
    return _out(session, settings, domain)


def set_enabled(
    session: Session, settings: Settings, ctx: OrgContext, domain_id: uuid.UUID, enabled: bool
) -> DomainOut:
    _require_admin(ctx)
    domain = _domain(session, ctx, domain_id)
    if enabled and domain.verified_at is None:
        raise ConflictError(
            f"{domain.host} is not verified yet; add the TXT record and check first",
            field="enabled",
        )
    if domain.enabled != enabled:
        domain.enabled = enabled
        session.flush()
        repository.bump_links_version(session)
    return _out(session, settings, domain)


def remove_domain(session: Session, ctx: OrgContext, domain_id: uuid.UUID) -> None:
    """Remove a domain no link uses (its links would go with it); disable it otherwise."""
    _require_admin(ctx)
    domain = _domain(session, ctx, domain_id)
    count = repository.links_on_domain(session, domain.id)
    if count:
        raise ConflictError(
            f"{count} link(s) use {domain.host}; removing it would delete them. Disable the "
            "domain instead, or disable those links first",
            field="host",
        )
    repository.delete_domain(session, domain)
    repository.bump_links_version(session)


def _domain(session: Session, ctx: OrgContext, domain_id: uuid.UUID) -> ShortDomain:
    domain = repository.get_domain(session, ctx.organisation.id, domain_id)
    if domain is None:
        raise NotFoundError(f"No short domain with id {domain_id}.")
    return domain


def _require_read(ctx: OrgContext) -> None:
    if ctx.api_key is not None:
        ctx.require_scope(ApiScope.LINKS_WRITE)


def _require_admin(ctx: OrgContext) -> None:
    if ctx.api_key is not None:
        ctx.require_scope(ApiScope.LINKS_WRITE)
    else:
        ctx.require_role(Role.ADMIN, "manage short domains")


def _out(session: Session, settings: Settings, domain: ShortDomain) -> DomainOut:
    return DomainOut(
        id=domain.id,
        host=domain.host,
        enabled=domain.enabled,
        verified_at=domain.verified_at,
        txt_name=txt_name(domain.host),
        txt_value=txt_value(settings, domain.organisation_id, domain.host),
        links=repository.links_on_domain(session, domain.id),
        created_at=domain.created_at,
    )
