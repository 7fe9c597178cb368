"""An e-mail backend standing in for an SMTP server that refuses addresses or goes away."""

from __future__ import annotations

from collections.abc import Sequence
from smtplib import SMTPRecipientsRefused, SMTPServerDisconnected
from typing import Any, ClassVar

from django.core.mail.backends.locmem import EmailBackend


class FlakyBackend(EmailBackend):
    """Django's locmem backend, except: addresses in ``refused`` are refused, and after
    ``answers`` messages the server disconnects (``None``: it never does)."""

    refused: ClassVar[set[str]] = set()
    answers: ClassVar[int | None] = None

    def send_messages(self, messages: Sequence[Any]) -> int:
        for message in messages:
            if FlakyBackend.answers is not None:
                if FlakyBackend.answers <= 0:
                    raise SMTPServerDisconnected("Connection unexpectedly closed")
                FlakyBackend.answers -= 1
            if set(message.to) & FlakyBackend.refused:
                raise SMTPRecipientsRefused(dict.fromkeys(message.to, (550, b"No such user")))
        return super().send_messages(messages)
