"""``GET /health``: whether this process can do its work, for a load balancer or Docker.

Answers 200 with ``{"status": "ok", ...}`` when the database answers a query within two
seconds, the scheduler (APScheduler behind PTB's JobQueue) is running and the delivery worker
is alive; otherwise 503 with the same fields saying which part is not. It listens on
``HEALTH_PORT`` (its own port: PTB's webhook server has no room for other routes), in
webhook and polling mode alike, and only when that setting is given.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable

from sqlalchemy import text
from tornado.httpserver import HTTPServer
from tornado.web import Application, RequestHandler

from storage.database import Database

log = logging.getLogger(__name__)

DATABASE_TIMEOUT = 2.0

Check = Callable[[], Awaitable[dict[str, bool]]]


def checks(db: Database, scheduler_running: Callable[[], bool],
           delivery_running: Callable[[], bool]) -> Check:  # fmt: skip
    """The health check over these parts."""

    async def check() -> dict[str, bool]:
        try:
            async with asyncio.timeout(DATABASE_TIMEOUT), db.read() as s:
                database = (await s.execute(text("SELECT 1"))).scalar() == 1
        except Exception as exc:  # any failure to answer is "not healthy", never a crash
            log.warning("health_database_failed error=%s", type(exc).__name__)
            database = False
        return {
            "database": database,
            "scheduler": scheduler_running(),
            "delivery": delivery_running(),
        }

    return check


class _HealthHandler(RequestHandler):
    def initialize(self, check: Check) -> None:
        self._check = check

    async def get(self) -> None:
        parts = await self._check()
        healthy = all(parts.values())
        self.set_status(200 if healthy else 503)
        self.set_header("Content-Type", "application/json")
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps({"status": "ok" if healthy else "unhealthy", **parts}))


class HealthServer:
    """A tiny HTTP server with one route, in the bot's event loop."""

    def __init__(self, check: Check, *, port: int, address: str = "0.0.0.0") -> None:
        self._app = Application([(r"/health", _HealthHandler, {"check": check})])
        self._port = port
        self._address = address
        self._server: HTTPServer | None = None

    def start(self) -> None:
        """Start listening."""
        self._server = self._app.listen(self._port, address=self._address)
        log.info("health_listening port=%d", self._port)

    async def stop(self) -> None:
        """Stop listening and close open connections."""
        if self._server is not None:
            self._server.stop()
            await self._server.close_all_connections()
            self._server = None
