"""Email: the admin's outbox and development mailbox, each person's email preferences, the
`flask notify` commands and the daily reminders. Delivery itself is in qaweb.core.notify
(queueing) and qaweb.core.outbox (sending)."""


def init_app(app) -> None:
    from qaweb.core.features import add_feature
    from qaweb.notifications.commands import notify_cli
    from qaweb.notifications.views import bp

    add_feature(app, bp, commands=[notify_cli])
