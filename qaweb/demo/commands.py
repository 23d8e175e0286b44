import click
from flask import current_app
from flask.cli import AppGroup

from qaweb.demo import builder

seed = AppGroup("seed", help="Load demonstration data.")


@seed.command("demo")
@click.option(
    "--scale",
    default=1,
    show_default=True,
    type=click.IntRange(1, 500),
    help="Multiply the volume of records, for load and speed work.",
)
@click.option("--if-empty", is_flag=True, help="Do nothing if the database already has people.")
def demo(scale, if_empty):
    """Build the demo council: service areas, teams, staff for every role, a year of actions."""
    if current_app.config["QAWEB_ENV"] == "production":
        raise click.ClickException(
            "The demo council has a published password: it is never loaded in production."
        )
    if builder.has_people():
        if if_empty:
            click.echo("The database already has data: the demo council was not loaded again.")
            print_sign_ins()
            return
        raise click.ClickException(
            "The database already has people in it. Use an empty database for the demo council."
        )
    counts = builder.build(scale=scale)
    click.echo(
        "Demo council loaded: " + ", ".join(f"{value:,} {name}" for name, value in counts.items())
    )
    print_sign_ins()


def print_sign_ins():
    people = builder.demo_sign_ins()
    if not people:
        return
    click.echo("")
    click.echo(f"Demo sign-ins (password for all: {builder.DEMO_PASSWORD}):")
    for role_label, email, name in people:
        click.echo(f"  {role_label:<26} {email:<40} {name}")
    click.echo("")
    if current_app.config["MAIL_TRANSPORT"] == "file":
        from qaweb.core.outbox import mail_directory

        click.echo(
            f"Email is not sent in development: each message is written to {mail_directory()}"
        )
        click.echo(
            "Read it as the administrator at Admin > Outbox > development mailbox (/admin/mailbox)."
        )
        click.echo("")
