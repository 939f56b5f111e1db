"""Production operations through the real ``python -m bot run``: webhook mode with the secret
token checked, the health endpoint, and a clean stop on SIGTERM with deliveries in flight."""

from __future__ import annotations

import asyncio
import signal
import socket
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from bot.services.outbox import enqueue
from storage.database import Database
from storage.models import OutboxMessage, OutboxStatus
from tests.fake_telegram import FakeTelegram
from tests.test_restart import bot_process

pytestmark = [pytest.mark.asyncio, pytest.mark.slow]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _until_up(url: str, within: float = 30) -> httpx.Response:
    async with asyncio.timeout(within), httpx.AsyncClient() as client:
        while True:
            try:
                return await client.get(url)
            except httpx.TransportError:
                await asyncio.sleep(0.2)


async def test_webhook_mode_checks_the_secret_and_reports_health(
    fake: FakeTelegram, db: Database, tmp_path: Path
) -> None:
    port, health_port = _free_port(), _free_port()
    hook = f"http://127.0.0.1:{port}/telegram"
    run = bot_process(
        fake,
        db.url.render_as_string(hide_password=False),
        tmp_path,
        WEBHOOK_URL=hook,
        WEBHOOK_SECRET="s3cret-token_1",
        WEBHOOK_LISTEN="127.0.0.1",
        WEBHOOK_PORT=str(port),
        HEALTH_PORT=str(health_port),
    )
    ana = fake.user(321, "Ana")
    async with run() as process:
        health = await _until_up(f"http://127.0.0.1:{health_port}/health")
        assert health.status_code == 200
        assert health.json() == {
            "status": "ok", "database": True, "scheduler": True, "delivery": True
        }  # fmt: skip
        await ana.send("/help")
        assert await ana.receive(timeout=30)  # delivered by POST, not by getUpdates
        assert fake.calls_to("getUpdates") == []
        update = {"update_id": 999, "message": {"message_id": 1, "date": 0, "text": "/help",
                  "chat": {"id": 321, "type": "private"},
                  "from": {"id": 321, "is_bot": False, "first_name": "Eve"}}}  # fmt: skip
        async with httpx.AsyncClient() as client:
            for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}):
                forged = await client.post(hook, json=update, headers=headers)
                assert forged.status_code == 403
        await ana.nothing_more(within=1.0)  # the forged updates did nothing

        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), timeout=30) == 0


async def test_sigterm_finishes_sends_in_flight_and_keeps_the_rest(
    fake: FakeTelegram, db: Database, tmp_path: Path
) -> None:
    users = [fake.user(800 + n, f"U{n}") for n in range(10)]
    async with db.session() as s:
        for n in range(200):
            enqueue(
                s, chat_id=users[n % 10].id, person_id=None, kind="t", payload={"text": f"m{n}"}
            )
    fake.latency = 0.1
    run = bot_process(fake, db.url.render_as_string(hide_password=False), tmp_path)
    async with run() as process:
        async with asyncio.timeout(30):
            while sum(len(u.inbox) for u in users) < 20:  # noqa: ASYNC110
                await asyncio.sleep(0.05)
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), timeout=30) == 0
    async with db.read() as s:
        statuses = list(await s.scalars(select(OutboxMessage.status)))
    assert OutboxStatus.SENDING not in statuses  # everything in flight was recorded
    assert OutboxStatus.UNCERTAIN not in statuses  # and finished, not cut off
    sent = statuses.count(OutboxStatus.SENT)
    assert 20 <= sent < 200 and statuses.count(OutboxStatus.PENDING) == 200 - sent
    assert sum(len(u.inbox) for u in users) == sent  # what arrived is exactly what is SENT
