"""SQLite backup and restore: online (while writers keep writing), verified, through the CLI.

SQLite-only by nature (PostgreSQL is backed up with pg_dump); the refusal for a PostgreSQL URL
is tested too.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.clock import SystemClock
from bot.services.people import PeopleService
from storage.backup import BackupError, backup, restore
from storage.database import Database
from storage.migrate import upgrade
from storage.models import Person

ROOT = Path(__file__).resolve().parent.parent


async def _people(url: str) -> int:
    db = Database(url)
    try:
        async with db.read() as s:
            return int(await s.scalar(select(func.count()).select_from(Person)) or 0)
    finally:
        await db.dispose()


@pytest.mark.asyncio
async def test_a_backup_taken_under_writes_is_consistent_and_restores(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'live.db'}"
    db = Database(url)
    await upgrade(db)
    people = PeopleService(db, SystemClock(), coordinator_ids=frozenset())
    for n in range(200):
        await people.consent(10_000 + n, language="en", invite=None)
    stop = asyncio.Event()

    async def keep_writing() -> int:
        n = 0
        while not stop.is_set():
            await people.consent(20_000 + n, language="es", invite=None)
            n += 1
        return n

    writer = asyncio.create_task(keep_writing())
    await asyncio.sleep(0.05)
    report = await asyncio.to_thread(backup, url, tmp_path / "copy.db", pages_per_step=1)
    stop.set()
    written = await writer
    await db.dispose()
    assert report.pages > 0 and written > 0
    copied = await _people(f"sqlite+aiosqlite:///{tmp_path / 'copy.db'}")
    assert 200 <= copied <= 200 + written  # a snapshot from some moment during the writes

    # Restoring puts exactly the snapshot back, whatever the live database held since.
    restore(tmp_path / "copy.db", url)
    assert await _people(url) == copied
    with sqlite3.connect(tmp_path / "live.db") as check:
        assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_refusals_leave_everything_as_it_was(tmp_path: Path) -> None:
    live = tmp_path / "live.db"
    sqlite3.connect(live).close()
    with pytest.raises(BackupError, match="pg_dump"):
        backup("postgresql+asyncpg://postgres@127.0.0.1/test", tmp_path / "x.db")
    (tmp_path / "taken.db").write_bytes(b"")
    with pytest.raises(BackupError, match="exists already"):
        backup(f"sqlite+aiosqlite:///{live}", tmp_path / "taken.db")
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"this is not a database" * 100)
    before = live.read_bytes()
    with pytest.raises(BackupError, match="not a usable SQLite database"):
        restore(garbage, f"sqlite+aiosqlite:///{live}")
    assert live.read_bytes() == before


def test_backup_and_restore_from_the_command_line(tmp_path: Path) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DATABASE_"))},
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
        "PYTHONPATH": str(ROOT),
    }

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot", *args],
            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip

    assert cli("migrate").returncode == 0
    made = cli("backup", str(tmp_path / "saved.db"))
    assert made.returncode == 0, made.stderr
    assert "saved.db" in made.stdout
    again = cli("backup", str(tmp_path / "saved.db"))
    assert again.returncode == 1
    assert again.stderr.strip() == (
        f"preceptor: backup: {tmp_path / 'saved.db'} exists already; choose a new file"
    )
    assert cli("restore", str(tmp_path / "saved.db")).returncode == 0
