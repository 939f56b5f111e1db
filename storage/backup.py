"""Backing up and restoring the SQLite database, safely while the bot runs.

``backup`` uses SQLite's online backup API (``sqlite3.Connection.backup``): it copies a
consistent snapshot page by page while the bot keeps reading and writing (in WAL mode writers
are not blocked; a page changed mid-copy makes SQLite restart that step), then checks the copy
with ``PRAGMA integrity_check``. Copying the file with ``cp`` is not safe: the WAL file holds
recent transactions and a copy taken mid-write can be torn.

``restore`` is for a stopped bot: it checks the backup, then copies it over the database with
the same API and removes the stale ``-wal``/``-shm`` files first, so nothing of the old
database can be replayed over the restored one. PostgreSQL has its own tools (``pg_dump``).
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupError(Exception):
    """The backup or restore could not be done; the message says why."""


@dataclass(frozen=True)
class BackupReport:
    """What was copied."""

    source: Path
    target: Path
    pages: int
    bytes: int


def sqlite_path(database_url: str) -> Path:
    """The file behind a SQLite URL.

    Raises:
        BackupError: the URL is not a file-backed SQLite database.
    """
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        raise BackupError("backup and restore work on a SQLite file; use pg_dump for PostgreSQL")
    return Path(url.database)


def backup(database_url: str, target: Path, *, pages_per_step: int = 1024) -> BackupReport:
    """Copy the live database to ``target`` (which must not exist) and verify the copy."""
    source = sqlite_path(database_url)
    if not source.exists():
        raise BackupError(f"no database at {source}")
    if target.exists():
        raise BackupError(f"{target} exists already; choose a new file")
    with closing(_open(source)) as live, closing(_open(target)) as copy:
        live.execute("PRAGMA busy_timeout = 10000")
        live.backup(copy, pages=pages_per_step)
        _verify(copy, target)
        pages = copy.execute("PRAGMA page_count").fetchone()[0]
    return BackupReport(source, target, pages, target.stat().st_size)


def restore(backup_file: Path, database_url: str) -> BackupReport:
    """Replace the database with ``backup_file`` (stop the bot first)."""
    target = sqlite_path(database_url)
    if not backup_file.exists():
        raise BackupError(f"no backup at {backup_file}")
    with closing(_open(backup_file)) as saved:
        _verify(saved, backup_file)
        for suffix in ("-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        with closing(_open(target)) as live:
            saved.backup(live)
            pages = live.execute("PRAGMA page_count").fetchone()[0]
    return BackupReport(backup_file, target, pages, target.stat().st_size)


def _open(path: Path) -> sqlite3.Connection:
    try:
        return sqlite3.connect(path)
    except sqlite3.Error as exc:
        raise BackupError(f"cannot open {path}: {exc}") from exc


def _verify(connection: sqlite3.Connection, path: Path) -> None:
    try:
        result = connection.execute("PRAGMA integrity_check").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not a usable SQLite database: {exc}") from exc
    if result != "ok":
        raise BackupError(f"{path} failed its integrity check: {result}")
