"""The command line: clear one-line errors with exit status 2, ``migrate``, ``check``, and
``run`` on a fresh SQLite file (just works) or an unmigrated PostgreSQL database (refused)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from storage.admin import create_database, drop_database
from storage.migrate import head_revision
from tests.conftest import PG_URL
from tests.fake_telegram import FakeTelegram

ROOT = Path(__file__).resolve().parent.parent


def cli(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """Run ``python -m bot`` with only the given settings (no .env, no inherited ones)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DATABASE_"))}
    clean.update(env, PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd, env=clean, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({}, "TELEGRAM_BOT_TOKEN"),
        ({"TELEGRAM_BOT_TOKEN": "not a token"}, "TELEGRAM_BOT_TOKEN"),
        ({"TELEGRAM_BOT_TOKEN": "1:abc", "DATABASE_URL": "mysql://x/y"}, "DATABASE_URL"),
        ({"TELEGRAM_BOT_TOKEN": "1:abc", "DATABASE_URL": "::nonsense"}, "DATABASE_URL"),
        ({"TELEGRAM_BOT_TOKEN": "1:abc", "COORDINATOR_IDS": "12,bob"}, "COORDINATOR_IDS"),
        ({"TELEGRAM_BOT_TOKEN": "1:abc", "DEFAULT_TIMEZONE": "Mars/Olympus"}, "DEFAULT_TIMEZONE"),
        ({"TELEGRAM_BOT_TOKEN": "1:abc", "DEFAULT_LANGUAGE": "klingon"}, "DEFAULT_LANGUAGE"),
        (
            {"TELEGRAM_BOT_TOKEN": "1:abc", "TELEGRAM_API_BASE_URL": "ftp://x"},
            "TELEGRAM_API_BASE_URL",
        ),
        (
            {"TELEGRAM_BOT_TOKEN": "1:abc", "OUTBOX_RESEND_PAUSE_SECONDS": "0"},
            "OUTBOX_RESEND_PAUSE_SECONDS",
        ),
    ],
)
def test_bad_settings_give_one_clear_line_and_exit_2(
    tmp_path: Path, env: dict[str, str], variable: str
) -> None:
    result = cli("run", cwd=tmp_path, **env)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"preceptor: {variable}: ")
    assert "Traceback" not in result.stderr


def test_settings_come_from_a_dotenv_file(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("DEFAULT_LANGUAGE=xx\n", encoding="utf-8")
    result = cli("check", cwd=tmp_path)
    assert result.returncode == 2
    assert "DEFAULT_LANGUAGE" in result.stderr


def test_migrate_then_check_against_the_fake_api(tmp_path: Path) -> None:
    database = f"sqlite+aiosqlite:///{tmp_path / 'p.db'}"
    migrated = cli("migrate", cwd=tmp_path, DATABASE_URL=database)
    assert migrated.returncode == 0, migrated.stderr
    assert f"schema none -> {head_revision()}" in migrated.stdout

    async def check() -> subprocess.CompletedProcess[str]:
        fake = FakeTelegram()
        await fake.start()
        try:
            env = {
                "DATABASE_URL": database,
                "TELEGRAM_BOT_TOKEN": fake.token,
                "TELEGRAM_API_BASE_URL": fake.base_url,
            }
            return await asyncio.to_thread(cli, "check", cwd=tmp_path, **env)
        finally:
            await fake.stop()

    result = asyncio.run(check())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok: database" in result.stdout and "ok: token belongs to @" in result.stdout


def test_check_reports_a_missing_token_and_wrong_schema(tmp_path: Path) -> None:
    result = cli("check", cwd=tmp_path, DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'q.db'}")
    assert result.returncode == 1
    assert "problem: TELEGRAM_BOT_TOKEN: missing" in result.stdout
    assert "will be migrated" in result.stdout


@pytest.mark.slow
def test_run_refuses_an_unmigrated_postgresql_database(tmp_path: Path) -> None:
    from tests import conftest

    if conftest._pg_problem is not None:
        pytest.skip(f"PostgreSQL unreachable: {conftest._pg_problem}")
    name = f"preceptor_empty_{uuid.uuid4().hex[:8]}"
    url = asyncio.run(create_database(PG_URL, name))
    try:
        result = cli("run", cwd=tmp_path, TELEGRAM_BOT_TOKEN="1:abc", DATABASE_URL=url)
        assert result.returncode == 2
        assert "python -m bot migrate" in result.stderr
        assert "Traceback" not in result.stderr
    finally:
        asyncio.run(drop_database(PG_URL, name))


@pytest.mark.slow
@pytest.mark.asyncio
async def test_run_on_a_fresh_sqlite_file_just_works(tmp_path: Path, fake: FakeTelegram) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DATABASE_"))},
        "TELEGRAM_BOT_TOKEN": fake.token,
        "TELEGRAM_API_BASE_URL": fake.base_url,
        "PYTHONPATH": str(ROOT),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    try:
        ana = fake.user(401, "Ana")
        await ana.send("/start")
        privacy = await ana.receive(timeout=30)
        assert "Privacy" in (privacy.text or "")
        assert (tmp_path / "preceptor.db").exists()  # the default DATABASE_URL, created
        menus = fake.commands(None, "es")
        assert [c["command"] for c in menus][:2] == ["start", "help"]
    finally:
        process.terminate()  # SIGTERM: PTB stops polling and shuts down cleanly
        assert await asyncio.wait_for(process.wait(), timeout=30) == 0


def test_webhook_mode_needs_its_url_and_a_well_formed_secret(tmp_path: Path) -> None:
    result = cli("run", "--webhook", cwd=tmp_path, TELEGRAM_BOT_TOKEN="1:abc")
    assert result.returncode == 2, result.stderr
    assert [line.split(":")[1].strip() for line in result.stderr.strip().splitlines()] == [
        "WEBHOOK_URL",
        "WEBHOOK_SECRET",
    ]
    bad = cli("run", cwd=tmp_path, TELEGRAM_BOT_TOKEN="1:abc", WEBHOOK_SECRET="has spaces")
    assert bad.returncode == 2
    assert bad.stderr.startswith("preceptor: WEBHOOK_SECRET: ")
