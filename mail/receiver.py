"""Reading the office mailbox over IMAP exactly once: checkpoints, IDLE or polling, reconnect with backoff.

The algorithm follows Discourse: remember (UIDVALIDITY, last UID handled) per folder; fetch ``BODY.PEEK[]`` so
nothing is marked read early; hand each message to the handler (which dedupes by Message-ID in the same
transaction as its effects); save the checkpoint; then move the message to the processed folder. A crash at any
point either re-delivers a message the handler has already recorded (deduped there) or leaves a handled message
in the folder, which the next pass moves without handing it over again.

imapclient blocks, so every IMAP call runs in a worker thread; only one runs at a time per receiver.
"""

from __future__ import annotations

import asyncio
import contextlib
import imaplib
import logging
import ssl
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from imapclient import IMAPClient

log = logging.getLogger(__name__)

Handler = Callable[[int, bytes], Awaitable[None]]
T = TypeVar("T")


class CheckpointStore(Protocol):
    """Where the receiver remembers how far it got, per folder."""

    async def load(self, folder: str) -> tuple[int, int] | None:
        """(uidvalidity, last_uid) saved for ``folder``, or None the first time."""
        ...

    async def save(self, folder: str, uidvalidity: int, last_uid: int) -> None:
        """Remember that every UID up to ``last_uid`` under ``uidvalidity`` has been handled."""
        ...


@dataclass(frozen=True)
class ImapSettings:
    """How to reach and read the mailbox. ``processed_folder=None`` flags handled mail \\Seen instead of moving."""

    host: str
    port: int = 993
    username: str = ""
    password: str = ""
    use_ssl: bool = True  # IMAPS (993); otherwise plain, upgraded with STARTTLS when ``starttls``
    starttls: bool = False
    ssl_context: ssl.SSLContext | None = None
    folder: str = "INBOX"
    processed_folder: str | None = "Processed"
    timeout: float = 60.0
    # RFC 2177 allows 29 min; NAT boxes drop sooner, and mail landing just before IDLE waits for the renewal.
    idle_renew: float = 60.0
    idle_check_interval: float = 1.0  # how long one wait inside IDLE lasts before looking at the stop event
    poll_interval: float = 60.0  # when the server has no IDLE
    backoff_initial: float = 1.0
    backoff_max: float = 300.0
    fetch_batch: int = 20
    max_handler_attempts: int = 3
    # First run on a mailbox that already holds mail: count it as dealt with (filed, never answered).
    skip_backlog: bool = False


class ConnectionLost(Exception):
    """The server said BYE or the socket closed under us."""


class HandlerFailed(Exception):
    """The handler raised; the message stays where it is and is offered again on the next pass."""

    def __init__(self, uid: int) -> None:
        super().__init__(f"handler failed for UID {uid}")
        self.uid = uid


CONNECTION_ERRORS: tuple[type[Exception], ...] = (OSError, imaplib.IMAP4.error, ConnectionLost, TimeoutError)
# imaplib raises ValueError when logging out of a socket that is already closed.
_LOGOUT_ERRORS: tuple[type[Exception], ...] = (*CONNECTION_ERRORS, ValueError)


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)


def _batches(uids: Sequence[int], size: int) -> list[list[int]]:
    return [list(uids[i : i + size]) for i in range(0, len(uids), max(1, size))]


class MailboxReceiver:
    """Feeds every message of one IMAP folder to ``handler`` once, in UID order."""

    def __init__(self, settings: ImapSettings, state: CheckpointStore, handler: Handler) -> None:
        self._settings = settings
        self._state = state
        self._handler = handler
        self._client: IMAPClient | None = None
        self._failures: dict[tuple[int, int], int] = {}  # (uidvalidity, uid) -> handler failures so far
        self.connections = 0  # how many times a session was opened, for monitoring

    async def _call(self, function: Callable[..., T], *args: Any) -> T:
        return await asyncio.to_thread(function, *args)

    def _open(self) -> IMAPClient:
        s = self._settings
        client = IMAPClient(s.host, port=s.port, ssl=s.use_ssl, ssl_context=s.ssl_context, timeout=s.timeout)
        try:
            if s.starttls and not s.use_ssl:
                client.starttls(s.ssl_context)
            client.login(s.username, s.password)
            client.capabilities()  # cached from here on, so capability checks never touch the network
            if s.processed_folder and not client.folder_exists(s.processed_folder):
                client.create_folder(s.processed_folder)
        except BaseException:
            with contextlib.suppress(OSError):  # a failed TLS handshake has already closed the socket
                client.shutdown()
            raise
        return client

    async def _connected(self) -> IMAPClient:
        if self._client is None:
            self._client = await self._call(self._open)
            self.connections += 1
            log.info(
                "IMAP connected to %s:%s as %s",
                self._settings.host,
                self._settings.port,
                self._settings.username,
            )
        return self._client

    async def close(self) -> None:
        """Log out (or drop the socket when the server is gone)."""
        client, self._client = self._client, None
        if client is None:
            return
        try:
            await self._call(client.logout)
        except _LOGOUT_ERRORS:
            with contextlib.suppress(OSError):
                client.shutdown()

    async def run_once(self) -> int:
        """Connect if needed and hand every new message to the handler; returns how many were handled.

        Raises a connection error (see ``CONNECTION_ERRORS``) or ``HandlerFailed``; the connection is kept
        after ``HandlerFailed`` and must be dropped with ``close()`` after a connection error.
        """
        client = await self._connected()
        s = self._settings
        selected = await self._call(client.select_folder, s.folder)
        uidvalidity = int(selected[b"UIDVALIDITY"])
        saved = await self._state.load(s.folder)
        last_uid = saved[1] if saved and saved[0] == uidvalidity else 0
        if saved is None and s.skip_backlog:
            existing = await self._call(client.search, ["ALL"])
            last_uid = max(existing, default=0)
            await self._state.save(s.folder, uidvalidity, last_uid)
            log.info("first run on %s: leaving %s old message(s) alone", s.folder, len(existing))
            return 0
        if saved and saved[0] != uidvalidity:
            log.warning(
                "UIDVALIDITY of %s changed (%s -> %s): rescanning; Message-ID dedupe prevents repeats",
                s.folder,
                saved[0],
                uidvalidity,
            )
        if last_uid and s.processed_folder:
            await self._file_leftovers(client, last_uid, s.processed_folder)
        found = await self._call(client.search, ["UID", f"{last_uid + 1}:*", "NOT", "DELETED"])
        # "N:*" always matches the highest UID, even when it is below N.
        uids = sorted(uid for uid in found if uid > last_uid)
        handled = 0
        for batch in _batches(uids, s.fetch_batch):
            fetched = await self._call(client.fetch, batch, ["BODY.PEEK[]"])
            done: list[int] = []
            try:
                for uid in batch:
                    raw = fetched.get(uid, {}).get(b"BODY[]")
                    if raw is None:  # expunged by someone else since the search
                        continue
                    delivered = await self._deliver(uidvalidity, uid, raw)
                    await self._state.save(s.folder, uidvalidity, uid)
                    if delivered:
                        handled += 1
                        done.append(uid)
                    else:
                        await self._call(client.add_flags, [uid], [b"\\Flagged"])
            finally:
                # One MOVE per batch, not per message; a crash before it leaves them for _file_leftovers.
                if done:
                    await self._file(client, done)
        return handled

    async def _deliver(self, uidvalidity: int, uid: int, raw: bytes) -> bool:
        """Call the handler; after too many failures give up on the message (flagged for staff)."""
        try:
            await self._handler(uid, raw)
        except Exception as error:
            key = (uidvalidity, uid)
            self._failures[key] = self._failures.get(key, 0) + 1
            if self._failures[key] < self._settings.max_handler_attempts:
                raise HandlerFailed(uid) from error
            log.error(
                "giving up on UID %s after %s handler failures; flagged for staff",
                uid,
                self._failures[key],
                exc_info=error,
            )
            del self._failures[key]
            return False
        self._failures.pop((uidvalidity, uid), None)
        return True

    async def _file(self, client: IMAPClient, uids: list[int]) -> None:
        """Move handled messages to the processed folder, or flag them \\Seen when there is none."""
        if self._settings.processed_folder:
            await self._move(client, uids, self._settings.processed_folder)
        else:
            await self._call(client.add_flags, uids, [b"\\Seen"])

    async def _move(self, client: IMAPClient, uids: list[int], target: str) -> None:
        if client.has_capability("MOVE"):
            await self._call(client.move, uids, target)
            return
        await self._call(client.copy, uids, target)
        await self._call(client.add_flags, uids, [b"\\Seen", b"\\Deleted"])
        if client.has_capability("UIDPLUS"):
            await self._call(client.expunge, uids)
        else:
            await self._call(client.expunge)

    async def _file_leftovers(self, client: IMAPClient, last_uid: int, target: str) -> None:
        """Move messages handled before a crash but never moved; flagged ones stay for staff."""
        leftovers = await self._call(
            client.search, ["UID", f"1:{last_uid}", "NOT", "DELETED", "NOT", "FLAGGED"]
        )
        leftovers = [uid for uid in leftovers if uid <= last_uid]
        if leftovers:
            log.info("moving %s message(s) handled before an interruption", len(leftovers))
            await self._move(client, sorted(leftovers), target)

    async def _idle(self, client: IMAPClient, stop: asyncio.Event) -> None:
        """Wait in IDLE until new mail, the renew time, or ``stop``; raise ConnectionLost on a dead link."""
        s = self._settings
        await self._call(client.idle)
        deadline = time.monotonic() + s.idle_renew
        while not stop.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            wait = min(s.idle_check_interval, remaining)
            started = time.monotonic()
            responses = await self._call(client.idle_check, wait)
            if any(isinstance(r, tuple) and r and r[0] == b"BYE" for r in responses):
                raise ConnectionLost("server said BYE during IDLE")
            if not responses and time.monotonic() - started < wait / 2:
                # After EOF imapclient's idle_check returns [] at once instead of waiting.
                raise ConnectionLost("connection closed during IDLE")
            if any(isinstance(r, tuple) and len(r) > 1 and r[1] in (b"EXISTS", b"RECENT") for r in responses):
                break
        await self._call(client.idle_done)

    async def _arrived_meanwhile(self, client: IMAPClient) -> bool:
        """Whether mail came in while the last pass was busy.

        The server reports such arrivals in the responses to our FETCH / MOVE / STORE, which imapclient does
        not return, and not again in IDLE; without this check they would wait for the next IDLE renewal.
        """
        saved = await self._state.load(self._settings.folder)
        last_uid = saved[1] if saved else 0
        found = await self._call(client.search, ["UID", f"{last_uid + 1}:*", "NOT", "DELETED"])
        return any(uid > last_uid for uid in found)

    async def _wait_for_mail(self, stop: asyncio.Event) -> None:
        client = await self._connected()
        if client.has_capability("IDLE"):
            if await self._arrived_meanwhile(client):
                return
            await self._idle(client, stop)
        else:
            await _sleep_or_stop(stop, self._settings.poll_interval)
            await self._call(client.noop)

    async def run_forever(self, stop: asyncio.Event) -> None:
        """Serve until ``stop`` is set: handle, wait for mail (IDLE or polling), reconnect with backoff."""
        s = self._settings
        delay = s.backoff_initial
        while not stop.is_set():
            try:
                await self.run_once()
                await self._wait_for_mail(stop)
            except HandlerFailed as error:
                log.warning("%s; retrying in %.1f s", error, delay, exc_info=error.__cause__)
            except CONNECTION_ERRORS as error:
                log.warning(
                    "IMAP connection problem (%s: %s); reconnecting in %.1f s",
                    type(error).__name__,
                    error,
                    delay,
                )
                await self.close()
            except Exception:  # a server answering nonsense must not end the service; start afresh
                log.exception("unexpected error in the IMAP receiver; reconnecting in %.1f s", delay)
                await self.close()
            else:
                delay = s.backoff_initial
                continue
            await _sleep_or_stop(stop, delay)
            delay = min(delay * 2, s.backoff_max)
        await self.close()
