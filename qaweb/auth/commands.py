"""``flask users``: the first administrator of a new database."""

import sys

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

from qaweb.auth.passwords import password_problem
from qaweb.auth.services import normalise_email
from qaweb.core.forms import EMAIL_PATTERN
from qaweb.extensions import db
from qaweb.organisation.models import User

users_cli = AppGroup("users", help="People who sign in to qaweb.")


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        # The first line of standard input, so a secret store can pipe it in unseen.
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt="Password again")


@users_cli.command("create-admin")
@click.option("--email", help="Their work email address (asked for when not given).")
@click.option("--first-name", help="Asked for when not given.")
@click.option("--last-name", help="Asked for when not given.")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from the first line of standard input instead of asking twice.",
)
def create_admin(email, first_name, last_name, password_stdin):
    """Add an administrator, who can then add everyone else in Admin -> Staff.

    Refuses a password qaweb would refuse on the Change password page, and an email
    address someone already signs in with."""
    email = normalise_email(email or click.prompt("Email address"))
    if not EMAIL_PATTERN.match(email) or len(email) > 254:
        raise click.ClickException(
            "Enter an email address in the correct format, like name@example.org"
        )
    if db.session.scalar(select(User.id).where(func.lower(User.email) == email)) is not None:
        raise click.ClickException(
            f"{email} already has an account: an administrator can give it the admin role."
        )
    first_name = (first_name or click.prompt("First name")).strip()
    last_name = (last_name or click.prompt("Last name")).strip()
    if not first_name or not last_name:
        raise click.ClickException("Enter a first name and a last name")
    password = _read_password(password_stdin)
    problem = password_problem(password)
    if problem:
        raise click.ClickException(f"{problem}. Nobody was added.")

    user = User(email=email, first_name=first_name, last_name=last_name, job_title="")
    user.roles = {"admin"}
    user.set_password(password, method=current_app.config["PASSWORD_HASH_METHOD"])
    db.session.add(user)
    db.session.commit()
    click.echo(f"Added {user.name} ({email}) as an administrator. They can sign in now.")
