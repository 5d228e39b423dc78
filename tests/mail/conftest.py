"""Fixtures for mail tests: a real Dovecot IMAP server and a recording SMTP server, both on loopback."""

from __future__ import annotations

import os
import shutil
import ssl
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.mail.dovecot import Dovecot, Tls
from tests.mail.smtp_server import SmtpServer


@pytest.fixture
def start_dovecot() -> Iterator[Callable[..., Dovecot]]:
    """Starts Dovecot servers (stopped after the test). Missing dovecot fails the run in CI, skips elsewhere."""
    if shutil.which("dovecot") is None:
        message = "dovecot is not installed (apt-get install -y dovecot-imapd)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    servers: list[Dovecot] = []

    def start(capabilities: str | None = None, port: int | None = None, tls: Tls | None = None) -> Dovecot:
        servers.append(Dovecot.start(capabilities, port, tls))
        return servers[-1]

    try:
        yield start
    finally:
        for server in servers:
            server.stop()


@pytest.fixture
def dovecot(start_dovecot: Callable[..., Dovecot]) -> Dovecot:
    """A fresh Dovecot for this test, with its usual capabilities (IDLE, MOVE, UIDPLUS)."""
    return start_dovecot()


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A recording SMTP server on loopback, plain and without AUTH."""
    server = SmtpServer.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1: (cert.pem, key.pem)."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
         "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


@pytest.fixture
def client_tls(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    """A client context that trusts the test certificate (and nothing else)."""
    return ssl.create_default_context(cafile=str(certificate[0]))


@pytest.fixture
def server_tls(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    """The server side of the test certificate."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(certificate[0]), str(certificate[1]))
    return context


@pytest.fixture
def tls_smtp_server(server_tls: ssl.SSLContext) -> Iterator[SmtpServer]:
    """A recording SMTP server that requires STARTTLS and AUTH (user "mailer", password "pw")."""
    server = SmtpServer.start(tls_context=server_tls, credentials=("mailer", "pw"))
    try:
        yield server
    finally:
        server.stop()
