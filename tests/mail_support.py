"""A real SMTP server for the tests (aiosmtpd on a free port) and helpers to read what it
received."""

import socket
import threading
from email import policy
from email.parser import BytesParser

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Sink:
    """Keeps every message it accepts. ``refuse`` set to an SMTP reply ("451 4.3.0 Try
    later", "550 5.1.1 No such user") refuses every message with it instead."""

    def __init__(self):
        self.messages = []
        self.refuse: str | None = None
        self.tries = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        with self.lock:
            self.tries += 1
            if self.refuse:
                return self.refuse
            message = BytesParser(policy=policy.default).parsebytes(envelope.content)
            self.messages.append((list(envelope.rcpt_tos), message))
        return "250 OK"

    def clear(self):
        with self.lock:
            self.messages.clear()
            self.refuse = None
            self.tries = 0

    def to(self, address: str) -> list:
        return [m for rcpts, m in self.messages if address in rcpts]

    def subjects(self) -> list[str]:
        return sorted(str(m["subject"]) for _, m in self.messages)


def start_server():
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    return controller, sink


def text_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def html_of(message) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


def calendars_of(message) -> list[tuple[str, str, str]]:
    """(content type with its method, filename, text) of each calendar file attached."""
    found = []
    for part in message.iter_attachments():
        if part.get_content_type() == "text/calendar":
            found.append((part.get_param("method"), part.get_filename(), part.get_content()))
    return found
