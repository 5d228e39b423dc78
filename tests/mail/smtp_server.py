"""A real SMTP server on loopback (aiosmtpd) that records what arrives and refuses what it is told to."""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from tests.mail.dovecot import free_port


@dataclass(frozen=True)
class Received:
    """One accepted message: envelope and the bytes as they arrived, plus which connection brought it."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    data: bytes
    peer: Any


@dataclass
class RecordingHandler:
    """aiosmtpd handler: records messages; ``rcpt_replies`` / ``data_reply`` script refusals."""

    received: list[Received] = field(default_factory=list)
    rcpt_replies: dict[str, str] = field(default_factory=dict)
    data_reply: str | None = None

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        reply = self.rcpt_replies.get(address)
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.data_reply:
            return self.data_reply
        content = envelope.original_content or b""
        self.received.append(
            Received(envelope.mail_from or "", tuple(envelope.rcpt_tos), content, session.peer)
        )
        return "250 2.0.0 accepted"


@dataclass
class SmtpServer:
    """A running aiosmtpd on 127.0.0.1 with its recording handler."""

    handler: RecordingHandler
    controller: Controller
    port: int

    @classmethod
    def start(
        cls,
        *,
        tls_context: ssl.SSLContext | None = None,
        implicit_tls: bool = False,
        credentials: tuple[str, str] | None = None,
    ) -> SmtpServer:
        """Start on a free port; with ``tls_context`` STARTTLS is required (TLS from the first byte with
        ``implicit_tls``), with ``credentials`` AUTH is."""
        handler = RecordingHandler()
        port = free_port()
        options: dict[str, Any] = {}
        if tls_context is not None and implicit_tls:
            options.update(ssl_context=tls_context)
        elif tls_context is not None:
            options.update(tls_context=tls_context, require_starttls=True)
        if credentials is not None:

            def authenticate(
                server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
            ) -> AuthResult:
                ok = (
                    isinstance(data, LoginPassword)
                    and (data.login.decode(), data.password.decode()) == credentials
                )
                return AuthResult(success=ok, handled=False)

            options.update(
                authenticator=authenticate, auth_required=True, auth_require_tls=tls_context is not None
            )
        controller = Controller(handler, hostname="127.0.0.1", port=port, **options)
        controller.start()
        return cls(handler, controller, port)

    def stop(self) -> None:
        """Stop the server thread."""
        self.controller.stop()
