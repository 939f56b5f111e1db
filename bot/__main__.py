"""Command line: ``python -m bot run | migrate | check | backup FILE | restore FILE`` (also
installed as ``preceptor``).

Exit codes: 0 fine, 1 a check found a problem, 2 configuration or schema needs fixing (one
line per problem on stderr, never a traceback).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit

from telegram import Update
from telegram.error import InvalidToken, NetworkError, TelegramError

from bot.app import SchemaNotReady, build_application, freeze_startup_objects, prepare_database
from bot.config import ConfigError, Settings, load_settings
from bot.leader import Leadership
from bot.logs import configure_logging
from storage.backup import BackupError, backup, restore
from storage.database import Database
from storage.migrate import schema_state, upgrade

log = logging.getLogger("bot")


def _fail(lines: Sequence[str], code: int = 2) -> int:
    for line in lines:
        print(f"preceptor: {line}", file=sys.stderr)
    return code


def run(settings: Settings, *, webhook: bool = False) -> int:
    """Long polling, or the webhook (``--webhook`` or WEBHOOK_URL), until SIGINT/SIGTERM.

    Stopping is clean either way: PTB finishes the updates in hand, the delivery worker lets
    sends in flight finish and records them, and gives unsent rows back to the outbox.
    """
    token = settings.token()
    hook = settings.webhook() if webhook or settings.webhook_url else None
    db = Database(settings.database_url)

    async def prepare() -> None:
        try:
            await prepare_database(db, auto_migrate=db.is_sqlite)
        finally:
            # run_polling starts its own event loop: no pooled connection may outlive this one.
            await db.dispose()

    try:
        asyncio.run(prepare())
    except SchemaNotReady as exc:
        return _fail([str(exc)])
    # One sending process per bot: a second instance waits here as a standby. The lead is
    # held for as long as this function runs (the polling loop below).
    leadership = Leadership(settings.database_url, token)
    leadership.acquire()
    app = build_application(settings, db)
    freeze_startup_objects()
    log.info("bot_starting database=%s", db.describe())
    try:
        if hook is None:
            app.run_polling(allowed_updates=Update.ALL_TYPES, drop_pending_updates=False)
        else:
            url, secret = hook
            log.info("webhook_mode port=%d path=%s", settings.webhook_port, urlsplit(url).path)
            app.run_webhook(
                listen=settings.webhook_listen,
                port=settings.webhook_port,
                url_path=urlsplit(url).path.lstrip("/"),
                webhook_url=url,
                secret_token=secret,  # PTB answers 403 to any POST without it
                allowed_updates=Update.ALL_TYPES,
                drop_pending_updates=False,
            )
    except InvalidToken:
        return _fail([f"TELEGRAM_BOT_TOKEN: rejected by Telegram (…{token[-4:]})"])
    finally:
        leadership.release()
    return 0


async def _migrate(settings: Settings) -> int:
    db = Database(settings.database_url)
    try:
        before = await schema_state(db)
        await upgrade(db)
        after = await schema_state(db)
    finally:
        await db.dispose()
    print(f"database {db.describe()}: schema {before.current or 'none'} -> {after.current}")
    return 0


async def _check(settings: Settings) -> int:
    problems: list[str] = []
    db = Database(settings.database_url)
    try:
        state = await schema_state(db)
        if state.up_to_date:
            print(f"ok: database {db.describe()} at schema {state.current}")
        elif db.is_sqlite:
            print(f"ok: database {db.describe()} will be migrated to {state.head} on `run`")
        else:
            problems.append(
                f"DATABASE_URL: schema {state.current or 'none'}, needs {state.head}: "
                "run `python -m bot migrate`"
            )
    except Exception as exc:
        problems.append(f"DATABASE_URL: cannot open {db.describe()}: {type(exc).__name__}: {exc}")
    finally:
        await db.dispose()
    if settings.telegram_bot_token is None:
        problems.append("TELEGRAM_BOT_TOKEN: missing — `run` needs it")
    else:
        problems.extend(await _check_token(settings))
    for line in problems:
        print(f"problem: {line}")
    return 1 if problems else 0


async def _check_token(settings: Settings) -> list[str]:
    from telegram import Bot

    bot = Bot(
        settings.token(),
        base_url=settings.telegram_api_base_url or "https://api.telegram.org/bot",
        base_file_url=settings.telegram_api_file_url or "https://api.telegram.org/file/bot",
    )
    try:
        async with bot:
            print(f"ok: token belongs to @{bot.username}")
    except InvalidToken:
        return ["TELEGRAM_BOT_TOKEN: Telegram rejected it"]
    except NetworkError as exc:
        return [f"TELEGRAM_API_BASE_URL: Telegram not reachable ({type(exc).__name__})"]
    except TelegramError as exc:
        return [f"TELEGRAM_BOT_TOKEN: {type(exc).__name__}: {exc}"]
    return []


def _copy(command: str, file: Path, settings: Settings) -> int:
    if command == "backup":
        report = backup(settings.database_url, file)
    else:
        report = restore(file, settings.database_url)
    size = f"{report.pages} pages, {report.bytes} bytes"
    print(f"{command}: {report.source} -> {report.target} ({size})")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and run one subcommand."""
    parser = argparse.ArgumentParser(prog="preceptor", description=__doc__)
    parser.add_argument("--env-file", default=".env", help="settings file (default: .env)")
    sub = parser.add_subparsers(dest="command", required=True)
    running = sub.add_parser("run", help="run the bot (long polling, or the webhook)")
    running.add_argument(
        "--webhook", action="store_true", help="receive updates on WEBHOOK_URL (see .env.example)"
    )
    sub.add_parser("migrate", help="upgrade the database schema to the newest version")
    sub.add_parser("check", help="validate the configuration, the database and the token")
    saving = sub.add_parser("backup", help="copy the SQLite database, safely while it runs")
    saving.add_argument("file", type=Path, help="the new backup file")
    restoring = sub.add_parser("restore", help="replace the SQLite database (bot stopped)")
    restoring.add_argument("file", type=Path, help="a backup made by `backup`")
    args = parser.parse_args(argv)
    try:
        settings = load_settings(args.env_file)
        configure_logging(settings.log_level)
        if args.command == "run":
            return run(settings, webhook=args.webhook)
        if args.command == "migrate":
            return asyncio.run(_migrate(settings))
        if args.command in ("backup", "restore"):
            return _copy(args.command, args.file, settings)
        return asyncio.run(_check(settings))
    except ConfigError as exc:
        return _fail(exc.lines)
    except BackupError as exc:
        return _fail([f"{args.command}: {exc}"], code=1)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
