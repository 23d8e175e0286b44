"""`flask notify send | worker | remind`."""

import click
from flask import current_app
from flask.cli import AppGroup

from qaweb.core.jobs import run_rounds
from qaweb.extensions import db

notify_cli = AppGroup("notify", help="Send queued email and compute reminders.")


def _where() -> str:
    config = current_app.config
    if config["MAIL_TRANSPORT"] == "file":
        from qaweb.core.outbox import mail_directory

        return f"files in {mail_directory()}"
    if config["MAIL_TRANSPORT"] == "smtp":
        return f"SMTP {config['SMTP_HOST']}:{config['SMTP_PORT']} ({config['SMTP_SECURITY']})"
    return "GOV.UK Notify"


@notify_cli.command("send")
@click.option("--limit", default=500, show_default=True, help="Most messages in this run.")
def send_command(limit):
    """Send every message that is due, once (run every minute from cron or a timer)."""
    from qaweb.core.outbox import send_due

    counts = send_due(limit=limit)
    click.echo(
        f"Sent {counts['sent']}, to try again {counts['retry']}, failed {counts['failed']} "
        f"({_where()})."
    )


@notify_cli.command("worker")
@click.option("--once", is_flag=True, help="One round, then stop (for testing).")
def worker_command(once):
    """Send due messages in a loop, sleeping between rounds (for hosts without cron)."""
    from qaweb.core.outbox import send_due

    pause = current_app.config["NOTIFY_WORKER_SECONDS"]
    click.echo(f"Sending email to {_where()} every {pause} seconds; Ctrl+C stops.")
    run_rounds(
        send_due,
        pause,
        once,
        "Sending failed this round",
        lambda counts: (
            f"Sent {counts['sent']}, to try again {counts['retry']}, failed {counts['failed']}."
            if any(counts.values())
            else None
        ),
    )


@notify_cli.command("remind")
def remind_command():
    """Queue today's reminders (complaint stages, actions); run once a day. Running it
    again the same day queues nothing new."""
    from qaweb.notifications.reminders import queue_reminders

    counts = queue_reminders()
    db.session.commit()
    click.echo(
        "Reminders queued: "
        + ", ".join(f"{label} {count}" for label, count in counts.items())
        + "."
    )
