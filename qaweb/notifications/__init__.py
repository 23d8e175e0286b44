"""Email: the admin's outbox and development mailbox, each person's email preferences, the
`flask notify` commands and the daily reminders. Delivery itself is in qaweb.core.notify
(queueing) and qaweb.core.outbox (sending)."""
