"""One active sender per bot token: the others wait as standbys.

Telegram's limits are per bot, and two processes polling or sending for the same token would
fight over updates and double the rate. So ``run`` first takes the lead:

* PostgreSQL: a session-level advisory lock (``pg_advisory_lock``) keyed by the bot's id, held
  on a dedicated connection for the life of the process. A second instance blocks on the same
  lock (it logs ``standby``) and takes over the moment the first one's connection goes away —
  a crash, a SIGKILL, a lost machine (PostgreSQL ends the session and frees the lock).
* SQLite: an exclusive ``flock`` on ``<database>.lock`` next to the database file, for two
  processes started on the same machine by mistake; the kernel frees it when the holder dies.

The lock lives in its own thread with its own event loop, apart from the bot's loop (PTB's
``run_polling`` owns that one). The thread checks the PostgreSQL connection every few seconds;
if it is lost, the lock may already belong to someone else, so the process stops at once
(SIGTERM to itself: a clean stop) and its supervisor starts it again as a standby.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import signal
import threading
from pathlib import Path
from typing import IO, Any

import asyncpg  # type: ignore[import-untyped]  # asyncpg ships no type hints
from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)

CHECK_SECONDS = 5.0
_NAMESPACE = 0x5052_4543  # "PREC": keeps our advisory keys apart from anyone else's


def lock_key(token: str) -> int:
    """The advisory lock key of a bot: its numeric id (the token's part before ``:``)."""
    bot_id = int(token.split(":", 1)[0])
    return (_NAMESPACE << 32) ^ bot_id


class Leadership:
    """Holds the lead until the process exits (or ``release``)."""

    def __init__(self, database_url: str, token: str) -> None:
        self._url = make_url(database_url)
        self._key = lock_key(token)
        self._taken = threading.Event()
        self._failed: BaseException | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._file: IO[Any] | None = None

    def acquire(self) -> None:
        """Block until this process leads (logging ``standby`` while another one does)."""
        if self._url.get_backend_name() == "sqlite":
            self._acquire_file()
            return
        self._thread = threading.Thread(target=self._hold, name="leadership", daemon=True)
        self._thread.start()
        while not self._taken.wait(1.0):
            if self._failed is not None:
                raise self._failed
        if self._failed is not None:
            raise self._failed

    def release(self) -> None:
        """Give the lead up (tests; a normal exit simply ends the process)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._file is not None:
            self._file.close()
            self._file = None

    # -- SQLite ----------------------------------------------------------------------------

    def _acquire_file(self) -> None:
        database = self._url.database
        if not database or database == ":memory:":
            return
        path = Path(f"{database}.lock")
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file = path.open("a+")
        try:
            fcntl.flock(self._file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log.warning("standby reason=another_instance_runs lock=%s", path)
            fcntl.flock(self._file, fcntl.LOCK_EX)
        log.info("leading lock=%s", path)

    # -- PostgreSQL ------------------------------------------------------------------------

    def _hold(self) -> None:
        try:
            asyncio.run(self._hold_async())
        except BaseException as exc:  # reported to acquire(), or ends the process below
            if not self._taken.is_set():
                self._failed = exc
                return
            log.error("leadership_lost error=%s", type(exc).__name__)
            os.kill(os.getpid(), signal.SIGTERM)

    async def _hold_async(self) -> None:
        url = self._url.set(drivername="postgresql")
        dsn = url.render_as_string(hide_password=False)
        connection = await asyncpg.connect(dsn)
        try:
            if not await connection.fetchval("SELECT pg_try_advisory_lock($1)", self._key):
                log.warning("standby reason=another_instance_leads key=%d", self._key)
                await connection.execute("SELECT pg_advisory_lock($1)", self._key)
            log.info("leading key=%d", self._key)
            self._taken.set()
            while not self._stop.is_set():
                await asyncio.sleep(CHECK_SECONDS)
                # A dead connection raises here: the lock may be someone else's now.
                await asyncio.wait_for(connection.fetchval("SELECT 1"), CHECK_SECONDS)
        finally:
            with contextlib.suppress(Exception):
                await connection.close(timeout=2)
