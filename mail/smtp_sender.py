"""Delivering one message, or a batch on one connection, over SMTP with aiosmtplib.

Each result says whether to retry: 4xx replies and connection trouble are ``temporary``, 5xx replies are
``permanent``. The outbox decides what to do with that; nothing here retries on its own.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from email.message import EmailMessage, Message
from types import TracebackType
from typing import Literal, Self

import aiosmtplib

Status = Literal["sent", "temporary", "permanent"]


@dataclass(frozen=True)
class SmtpSettings:
    """How to reach the outgoing mail server. ``implicit_tls`` is TLS from the start (port 465); ``starttls`` upgrades."""

    host: str
    port: int = 587
    username: str | None = None
    password: str | None = None
    starttls: bool = True
    implicit_tls: bool = False
    timeout: float = 30.0
    validate_certs: bool = True
    tls_context: ssl.SSLContext | None = None
    local_hostname: str | None = None


@dataclass(frozen=True)
class SendOutcome:
    """What happened to one message: ``sent``, or a failure worth retrying (``temporary``) or not."""

    status: Status
    detail: str
    code: int | None = None
    refused: tuple[str, ...] = ()


def _by_code(code: int | None, detail: str) -> SendOutcome:
    status: Status = "permanent" if code is not None and 500 <= code < 600 else "temporary"
    return SendOutcome(status, detail, code)


def _outcome(error: Exception) -> SendOutcome:
    """Map an aiosmtplib / network error to an outcome."""
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused):
        codes = [r.code for r in error.recipients]
        refused = tuple(r.recipient for r in error.recipients)
        detail = "; ".join(f"{r.recipient}: {r.code} {r.message}" for r in error.recipients)
        # Only when every refusal is final is the message dead; one 4xx means it may still go through.
        permanent = bool(codes) and all(500 <= c < 600 for c in codes)
        return SendOutcome(
            "permanent" if permanent else "temporary", detail, codes[0] if codes else None, refused
        )
    if isinstance(error, aiosmtplib.SMTPAuthenticationError):
        # A wrong password is our configuration, not the message's fault: keep the message for a retry.
        return SendOutcome("temporary", f"authentication failed: {error.code} {error.message}", error.code)
    if isinstance(error, aiosmtplib.SMTPResponseException):
        return _by_code(error.code, f"{error.code} {error.message}")
    return SendOutcome("temporary", f"{type(error).__name__}: {error}")


class SmtpSession:
    """One SMTP connection reused for a batch; reconnects when the server has dropped it.

    Use as ``async with SmtpSession(settings) as session: outcome = await session.send(message)``.
    """

    def __init__(self, settings: SmtpSettings) -> None:
        self._settings = settings
        self._client: aiosmtplib.SMTP | None = None

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def _connected(self) -> aiosmtplib.SMTP:
        if self._client is not None and self._client.is_connected:
            return self._client
        s = self._settings
        client = aiosmtplib.SMTP(
            hostname=s.host,
            port=s.port,
            username=s.username,
            password=s.password,
            use_tls=s.implicit_tls,
            start_tls=s.starttls and not s.implicit_tls,
            timeout=s.timeout,
            validate_certs=s.validate_certs,
            tls_context=s.tls_context,
            local_hostname=s.local_hostname,
        )
        await client.connect()
        self._client = client
        return client

    async def send(
        self, message: EmailMessage | Message, sender: str | None = None, recipients: list[str] | None = None
    ) -> SendOutcome:
        """Send ``message`` (envelope from ``sender`` / ``recipients`` when given, else from its headers)."""
        try:
            client = await self._connected()
            refused, response = await client.send_message(message, sender=sender, recipients=recipients)
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
            await self._reset_after(error)
            return _outcome(error)
        if refused:
            detail = "; ".join(f"{rcpt}: {r.code} {r.message}" for rcpt, r in refused.items())
            return SendOutcome("sent", f"{response}; refused {detail}", refused=tuple(refused))
        return SendOutcome("sent", response)

    async def _reset_after(self, error: Exception) -> None:
        """Leave the connection usable for the next message, or drop it so that the next send reconnects."""
        client = self._client
        answered = isinstance(error, aiosmtplib.SMTPResponseException | aiosmtplib.SMTPRecipientsRefused)
        if client is None or not client.is_connected or not answered:
            await self.close()
            return
        try:
            await client.rset()
        except (aiosmtplib.SMTPException, OSError, TimeoutError):
            await self.close()

    async def close(self) -> None:
        """Say QUIT (or just drop the socket if the server is gone)."""
        client, self._client = self._client, None
        if client is None or not client.is_connected:
            return
        try:
            await client.quit()
        except (aiosmtplib.SMTPException, OSError, TimeoutError):
            client.close()


async def send(
    message: EmailMessage | Message, settings: SmtpSettings, sender: str | None = None
) -> SendOutcome:
    """Send one message on its own connection."""
    async with SmtpSession(settings) as session:
        return await session.send(message, sender=sender)
