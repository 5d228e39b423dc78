"""A throw-away Dovecot IMAP server on a loopback port, for tests against a real server."""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from imapclient import IMAPClient

USER = "office"
PASSWORD = "secret"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _config(root: Path, port: int, capabilities: str | None, tls: Tls | None) -> str:
    ssl = ["ssl = no"] if tls is None else ["ssl = yes", f"ssl_cert = <{tls.cert}", f"ssl_key = <{tls.key}"]
    imaps = (
        [] if tls is None else ["  inet_listener imaps {", f"    port = {tls.port}", "    ssl = yes", "  }"]
    )
    lines = [
        f"base_dir = {root}/run",
        f"state_dir = {root}/state",
        f"log_path = {root}/dovecot.log",
        "protocols = imap",
        "listen = 127.0.0.1",
        *ssl,
        "disable_plaintext_auth = no",
        f"mail_location = maildir:{root}/mail/%u/Maildir",
        "passdb {",
        "  driver = passwd-file",
        f"  args = {root}/passwd",
        "}",
        "userdb {",
        "  driver = passwd-file",
        f"  args = {root}/passwd",
        "}",
        "service imap-login {",
        "  inet_listener imap {",
        f"    port = {port}",
        "  }",
        *imaps,
    ]
    if os.geteuid() != 0:
        # A non-root master cannot switch users or chroot: everything runs as the current user.
        user = pwd.getpwuid(os.geteuid()).pw_name
        group = grp.getgrgid(os.getegid()).gr_name
        lines = [
            f"default_internal_user = {user}",
            f"default_internal_group = {group}",
            f"default_login_user = {user}",
            *lines,
            "  chroot =",
            "}",
            "service anvil {",
            "  chroot =",
        ]
    imap = ["protocol imap {", "  mail_max_userip_connections = 50"]
    if capabilities is not None:
        imap.append(f"  imap_capability = {capabilities}")
    return "\n".join([*lines, "}", *imap, "}", ""])


@dataclass(frozen=True)
class Tls:
    """Certificate and key for the server, and the port of its implicit-TLS (IMAPS) listener."""

    cert: Path
    key: Path
    port: int


@dataclass
class Dovecot:
    """A running Dovecot with one user (``USER`` / ``PASSWORD``) and a maildir of its own."""

    root: Path
    config: Path
    port: int
    process: subprocess.Popen[bytes]
    tls: Tls | None = None

    @classmethod
    def start(
        cls, capabilities: str | None = None, port: int | None = None, tls: Tls | None = None
    ) -> Dovecot:
        """Write a config into a fresh directory, start ``dovecot -F`` and wait until it accepts connections.

        ``capabilities`` replaces the advertised IMAP capabilities (to play a server without IDLE or MOVE);
        ``port`` defaults to a free one; with ``tls`` the plain port offers STARTTLS and ``tls.port`` is IMAPS.
        """
        # A short path: Dovecot's unix sockets live in base_dir and socket paths are limited to 108 bytes.
        root = Path(tempfile.mkdtemp(prefix="dovecot-"))
        root.chmod(0o755)  # Dovecot's auth and login processes run as other users and must reach their files
        port = port or free_port()
        (root / "mail").mkdir()
        if os.geteuid() == 0:
            # Dovecot refuses to run mail processes as root; the mail user is "nobody".
            nobody = pwd.getpwnam("nobody")
            uid, gid = nobody.pw_uid, nobody.pw_gid
            os.chmod(root / "mail", 0o777)
        else:
            uid, gid = os.geteuid(), os.getegid()
        (root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}:{uid}:{gid}::{root}/mail/{USER}\n")
        config = root / "dovecot.conf"
        config.write_text(_config(root, port, capabilities, tls))
        # The master keeps stderr open after forking: a pipe would hang, so output goes to a file.
        with open(root / "stdout.log", "wb") as output:
            process = subprocess.Popen(["dovecot", "-F", "-c", str(config)], stdout=output, stderr=output)
        server = cls(root, config, port, process, tls)
        server._wait_ready()
        return server

    def _wait_ready(self, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"dovecot exited: {(self.root / 'stdout.log').read_text()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.02)
        raise RuntimeError("dovecot did not start listening")

    def stop(self) -> None:
        """Stop the server and remove its files."""
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.root, ignore_errors=True)

    def client(self) -> IMAPClient:
        """A logged-in client for the test user (the test's own view of the mailbox)."""
        client = IMAPClient("127.0.0.1", port=self.port, ssl=False, timeout=10)
        client.login(USER, PASSWORD)
        return client

    def append(self, raw: bytes, folder: str = "INBOX") -> None:
        """Deliver ``raw`` into ``folder`` (created when missing)."""
        with self.client() as client:
            if not client.folder_exists(folder):
                client.create_folder(folder)
            client.append(folder, raw)

    def uids(self, folder: str) -> list[int]:
        """UIDs of the messages in ``folder`` that are not deleted."""
        with self.client() as client:
            if not client.folder_exists(folder):
                return []
            client.select_folder(folder, readonly=True)
            return sorted(client.search(["NOT", "DELETED"]))

    def flags(self, folder: str) -> dict[int, tuple[bytes, ...]]:
        """Flags of every message in ``folder``."""
        with self.client() as client:
            client.select_folder(folder, readonly=True)
            uids = client.search(["ALL"])
            return (
                {uid: tuple(data[b"FLAGS"]) for uid, data in client.fetch(uids, ["FLAGS"]).items()}
                if uids
                else {}
            )

    def recreate(self, folder: str) -> None:
        """Delete and re-create ``folder``: the server gives it a new UIDVALIDITY."""
        with self.client() as client:
            client.delete_folder(folder)
            client.create_folder(folder)

    def kick(self) -> None:
        """Disconnect every session of the test user, as a server restart or a dropped link would."""
        subprocess.run(["doveadm", "-c", str(self.config), "kick", USER], check=True, capture_output=True)
