"""`microreach users ...`: accounts for operators, registered by microreach.cli."""

from __future__ import annotations

from typing import Annotated

import typer

from microreach.accounts import service
from microreach.accounts.enums import Role
from microreach.config import get_settings
from microreach.db.session import open_database
from microreach.kit.clock import utcnow

users_app = typer.Typer(help="Accounts: create users for people who sign in.", no_args_is_help=True)


@users_app.command("create")
def create(
    email: Annotated[str, typer.Option(help="The person's email; they sign in with it.")],
    org: Annotated[
        str, typer.Option(help="Organisation name or slug; created when there is none.")
    ],
    password: Annotated[
        str,
        typer.Option(
            prompt=True,
            hide_input=True,
            confirmation_prompt=True,
            help="Asked for when not given (never put it on a shared command line).",
        ),
    ],
    role: Annotated[Role, typer.Option(help="Role in the organisation.")] = Role.OWNER,
) -> None:
    """Create a brand user with a role in an organisation (prompts for the password)."""
    database = open_database(get_settings())
    try:
        with database.transaction() as session:
            user, organisation = service.create_operator_user(
                session, email, password, org, role, utcnow()
            )
            typer.echo(
                f"created {user.email} as {role.value} of {organisation.name} "
                f"(slug {organisation.slug})",
                err=True,
            )
    finally:
        database.engine.dispose()
