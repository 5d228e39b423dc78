"""Running the mail processor: the IMAP receiver with its router, and the email outbox sender, until stopped."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from dataclasses import dataclass, field

from knowledge import KnowledgeBase
from mail.outbox_sender import EmailOutbox, MailIdentity
from mail.receiver import ImapSettings, MailboxReceiver
from mail.replies import MailConfig, MailRouter
from mail.smtp_sender import SmtpSettings
from workflows.context import Context
from workflows.mail_state import DbCheckpoints
from workflows.settings import ConfigError, Settings


def mail_configured(settings: Settings) -> bool:
    """Whether the settings ask for the mail processor (IMAP_HOST or SMTP_HOST set)."""
    return bool(settings.imap_host or settings.smtp_host)


@dataclass(frozen=True)
class MailSetup:
    """Everything the processor needs, derived from the settings (one ConfigError line when incomplete)."""

    imap: ImapSettings | None
    smtp: SmtpSettings
    identity: MailIdentity
    config: MailConfig

    @classmethod
    def from_settings(cls, settings: Settings) -> MailSetup:
        """Build the setup; SMTP_HOST and MAIL_FROM are required, IMAP is optional (send-only)."""
        if not settings.smtp_host:
            raise ConfigError("SMTP_HOST: required when mail is configured")
        if not settings.mail_from or "@" not in settings.mail_from:
            raise ConfigError("MAIL_FROM: required when mail is configured (e.g. admissions@school.edu.tw)")
        reply_base = settings.mail_reply_address or settings.mail_from
        if "+" in reply_base.partition("@")[0]:
            raise ConfigError("MAIL_REPLY_ADDRESS: must not contain '+' (the reply key is added after it)")
        imap = None
        if settings.imap_host:
            imap = ImapSettings(
                host=settings.imap_host, port=settings.imap_port, username=settings.imap_user or "",
                password=settings.imap_password or "", use_ssl=settings.imap_ssl, folder=settings.imap_folder,
                # The first start on an office mailbox must not answer years of old mail: only what comes next.
                skip_backlog=True,
            )  # fmt: skip
        smtp = SmtpSettings(
            host=settings.smtp_host, port=settings.smtp_port, username=settings.smtp_user,
            password=settings.smtp_password, starttls=settings.smtp_starttls and settings.smtp_port != 465,
            implicit_tls=settings.smtp_port == 465,
        )  # fmt: skip
        own = tuple(a for a in (settings.mail_from, settings.mail_reply_address, settings.staff_email) if a)
        config = MailConfig(
            reply_base=reply_base, own_addresses=own, letters_dir=settings.letters_dir,
            folder=settings.imap_folder, staff_email=settings.staff_email, staff_chat_id=settings.staff_chat_id,
        )  # fmt: skip
        return cls(imap, smtp, MailIdentity(settings.mail_from, reply_base), config)


@dataclass
class MailService:
    """The receiver and the email sender sharing one wake-up event: an answer queued is sent at once."""

    ctx: Context
    kb: KnowledgeBase
    setup: MailSetup | None = None
    worker: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}:mail")

    async def run(self, stop: asyncio.Event) -> None:
        """Serve until ``stop`` is set; the batch in hand finishes and is recorded before returning."""
        setup = self.setup or MailSetup.from_settings(self.ctx.settings)
        wakeup = asyncio.Event()
        sender = EmailOutbox(self.ctx, setup.smtp, setup.identity, self.worker)
        tasks = [asyncio.create_task(sender.run_forever(stop, wakeup))]
        if setup.imap is not None:
            router = MailRouter(self.ctx, self.kb, setup.config, wakeup)
            receiver = MailboxReceiver(setup.imap, DbCheckpoints(self.ctx), router)
            tasks.append(asyncio.create_task(receiver.run_forever(stop)))
        else:
            logging.getLogger(__name__).info("IMAP_HOST is not set: sending mail only")
        try:
            await asyncio.gather(*tasks)
        finally:
            stop.set()
            await asyncio.gather(*tasks, return_exceptions=True)
