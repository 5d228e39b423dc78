"""The mail processor as `assistant serve` runs it: configuration, the service loop, the real command."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from mail.service import MailService, MailSetup, mail_configured
from tests.mail.dovecot import PASSWORD, USER
from tests.mailflows.conftest import OFFICE, RECOMMENDER, MailWorld, make_pdf, text_of, write_mail
from workflows.mail_state import DbCheckpoints
from workflows.settings import ConfigError, Settings


async def eventually(check: Callable[[], bool], within: float = 20.0) -> None:
    """Wait for something the real servers do on their own time (polled, with a deadline)."""
    deadline = asyncio.get_running_loop().time() + within
    while not check():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def known_mailbox(world: MailWorld) -> None:
    """The processor has run on this mailbox before: a first run would leave the mail already there alone."""
    with world.dovecot.client() as client:
        uidvalidity = int(client.select_folder("INBOX")[b"UIDVALIDITY"])
    await DbCheckpoints(world.ctx).save("INBOX", uidvalidity, 0)


def mail_settings(world: MailWorld, **extra: object) -> Settings:
    values: dict[str, object] = {
        "admissions_db_url": world.ctx.settings.admissions_db_url, "admissions_secret": "test-secret",
        "imap_host": "127.0.0.1", "imap_port": world.dovecot.port, "imap_user": USER, "imap_password": PASSWORD,
        "imap_ssl": False, "smtp_host": "127.0.0.1", "smtp_port": world.smtp.port, "smtp_starttls": False,
        "mail_from": OFFICE, "letters_dir": world.config.letters_dir, **extra,
    }  # fmt: skip
    return Settings(**values)  # type: ignore[arg-type]


def test_configuration_errors_name_the_variable() -> None:
    assert not mail_configured(Settings(admissions_db_url="sqlite:///x.db"))
    with pytest.raises(ConfigError, match="^MAIL_FROM"):
        MailSetup.from_settings(Settings(admissions_db_url="sqlite:///x.db", smtp_host="smtp.example"))
    with pytest.raises(ConfigError, match="^SMTP_HOST"):
        MailSetup.from_settings(Settings(admissions_db_url="sqlite:///x.db", imap_host="imap.example"))
    with pytest.raises(ConfigError, match="^MAIL_REPLY_ADDRESS"):
        MailSetup.from_settings(Settings(admissions_db_url="sqlite:///x.db", smtp_host="smtp.example",
                                         mail_from="a@x.example", mail_reply_address="a+b@x.example"))  # fmt: skip
    setup = MailSetup.from_settings(Settings(admissions_db_url="sqlite:///x.db", smtp_host="smtp.example",
                                             smtp_port=465, mail_from="a@x.example"))  # fmt: skip
    assert setup.imap is None and setup.smtp.implicit_tls and not setup.smtp.starttls
    setup = MailSetup.from_settings(Settings(admissions_db_url="sqlite:///x.db", smtp_host="smtp.example",
                                             imap_host="imap.example", mail_from="a@x.example"))  # fmt: skip
    assert setup.imap is not None and setup.imap.skip_backlog


async def test_service_sends_the_invitation_and_handles_the_letter(world: MailWorld) -> None:
    setup = MailSetup.from_settings(mail_settings(world))
    assert setup.imap is not None
    # Mail that lands between the receiver's last SEARCH and its IDLE is reported by Dovecot only at the next
    # command (or its own 30 s check): renewing IDLE every second bounds that wait here.
    setup = replace(setup, imap=replace(setup.imap, idle_renew=1.0, idle_check_interval=0.2))
    await known_mailbox(world)
    stop = asyncio.Event()
    task = asyncio.create_task(MailService(world.ctx, world.kb, setup).run(stop))
    try:
        await eventually(lambda: len(world.smtp.handler.received) == 1)
        [invitation] = world.new_mail()
        world.dovecot.append(write_mail(sender=RECOMMENDER, to=invitation["Reply-To"], subject="Re: 邀請",
                                        body="附件", attachment=("letter.pdf", "application/pdf", make_pdf())))  # fmt: skip
        await eventually(lambda: len(world.smtp.handler.received) == 3)  # thanks, and the applicant's notice
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=10)
    assert (await world.recommender()).status == "completed"
    assert {m["To"] for m in world.new_mail()} == {RECOMMENDER, "alice@example.com"}


async def test_assistant_serve_runs_the_mail_processor_without_a_bot_token(
    world: MailWorld, tmp_path: Path
) -> None:
    settings = mail_settings(world)
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "ADMISSIONS_DB_URL": settings.admissions_db_url,
           "ADMISSIONS_SECRET": "test-secret", "IMAP_HOST": "127.0.0.1", "IMAP_PORT": str(world.dovecot.port),
           "IMAP_USER": USER, "IMAP_PASSWORD": PASSWORD, "IMAP_SSL": "false", "SMTP_HOST": "127.0.0.1",
           "SMTP_PORT": str(world.smtp.port), "SMTP_STARTTLS": "false", "MAIL_FROM": OFFICE,
           "LETTERS_DIR": str(tmp_path / "letters")}  # fmt: skip
    env.pop("TELEGRAM_BOT_TOKEN", None)
    log = tmp_path / "serve.log"
    await known_mailbox(world)
    world.dovecot.append(
        write_mail(sender="visitor@example.com", to=OFFICE, subject="詢問", body="轉學考報名費多少？")
    )
    with log.open("wb") as out:  # a file, not a pipe: nobody reads the child's output while it runs
        process = await asyncio.create_subprocess_exec(sys.executable, "-m", "cli", "serve", env=env, stdout=out,
                                                       stderr=out, cwd=Path(__file__).parents[2])  # fmt: skip
    try:
        await eventually(lambda: len(world.smtp.handler.received) >= 2, within=30)
    finally:
        process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(process.wait(), timeout=15)
    output = log.read_text()
    assert code == 0, output[-3000:]
    sent = {m["To"]: m for m in world.new_mail()}
    assert set(sent) == {RECOMMENDER, "visitor@example.com"}
    assert "1,100" in text_of(sent["visitor@example.com"])
    assert "stopped" in output
