"""Storage on both backends: migrations, the schema matching the models, SQLite's tuning,
concurrent writers, and the people service's units of work."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from bot.clock import ManualClock
from bot.services.people import InvalidChoice, NotRegistered, PeopleService
from bot.services.profile import Step
from storage.database import Database
from storage.migrate import downgrade, schema_state, upgrade
from storage.models import Base, Membership, Person, PersonStatus, Profile, Programme, Role

pytestmark = pytest.mark.asyncio


async def test_models_match_the_migrations(db: Database) -> None:
    def diff(connection: object) -> list[object]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})  # type: ignore[arg-type]
        return list(compare_metadata(context, Base.metadata))

    async with db.engine.connect() as conn:
        assert await conn.run_sync(diff) == []


async def test_migrations_downgrade_and_upgrade_cleanly(db: Database) -> None:
    await downgrade(db, "base")
    assert (await schema_state(db)).current is None
    await upgrade(db)
    state = await schema_state(db)
    assert state.up_to_date and state.current == state.head


async def test_programmes_already_in_batch_mode_are_scheduled_by_the_upgrade(
    db: Database, clock: ManualClock
) -> None:
    await downgrade(db, "0004")
    async with db.engine.begin() as conn:
        for name, mode in (("Batch", "batch"), ("Hand", "coordinator")):
            await conn.execute(
                text(
                    "INSERT INTO programmes (name, is_default, settings, created_at) "
                    "VALUES (:name, false, :settings, :at)"
                ),
                {"name": name, "settings": f'{{"pairing_mode": "{mode}"}}', "at": clock.now()},
            )
    await upgrade(db)
    async with db.read() as s:
        rows = dict((await s.execute(select(Programme.name, Programme.next_batch_at))).all())
    assert rows["Batch"] is not None and rows["Hand"] is None


async def test_sqlite_runs_in_wal_with_foreign_keys(sqlite_template: Path, tmp_path: Path) -> None:
    path = tmp_path / "p.db"
    shutil.copy(sqlite_template, path)
    db = Database(f"sqlite+aiosqlite:///{path}")
    async with db.read() as s:
        assert (await s.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
        assert (await s.execute(text("PRAGMA foreign_keys"))).scalar() == 1
        assert (await s.execute(text("PRAGMA busy_timeout"))).scalar() >= 5000
    await db.dispose()


async def test_sixteen_concurrent_writers_never_see_a_locked_database(
    db: Database, clock: ManualClock
) -> None:
    people = PeopleService(db, clock, coordinator_ids=frozenset())
    await people.ensure_default_programme("P")

    async def writer(n: int) -> None:
        telegram_id = 10_000 + n
        await people.consent(telegram_id, language="en", invite=None)
        await people.choose_role(telegram_id, Role.MENTEE)
        for step, value in ((Step.NAME, f"P{n}"), (Step.DAY, n % 7), (Step.HOUR, 8)):
            await people.answer(telegram_id, step, value)
        for key in ("research", "teaching", "research"):
            await people.toggle(telegram_id, Step.INTERESTS, key)

    await asyncio.gather(*(writer(n) for n in range(16)))
    async with db.read() as s:
        assert await s.scalar(select(func.count()).select_from(Person)) == 16
        assert await s.scalar(select(func.count()).select_from(Membership)) == 16
    person = await people.lookup(10_003)
    assert person is not None and person.profile.interests == ("teaching",)


async def test_consent_is_idempotent_and_coordinators_join_the_default_programme(
    db: Database, clock: ManualClock
) -> None:
    people = PeopleService(db, clock, coordinator_ids=frozenset({7}))
    await people.ensure_default_programme("P")
    first = await people.consent(7, language="es", invite=None)
    again = await people.consent(7, language="en", invite=None)
    assert first.id == again.id
    assert again.roles == {Role.COORDINATOR}
    assert again.language == "es"  # a second tap changes nothing
    async with db.read() as s:
        assert await s.scalar(select(func.count()).select_from(Membership)) == 1


async def test_default_programme_is_created_once(db: Database, clock: ManualClock) -> None:
    people = PeopleService(db, clock, coordinator_ids=frozenset())
    results = await asyncio.gather(*(people.ensure_default_programme("P") for _ in range(4)))
    assert len({p.id for p in results}) == 1


async def test_choices_outside_the_menu_are_refused(db: Database, clock: ManualClock) -> None:
    people = PeopleService(db, clock, coordinator_ids=frozenset())
    await people.ensure_default_programme("P")
    await people.consent(1, language="en", invite=None)
    await people.choose_role(1, Role.MENTEE)
    for step, value in (
        (Step.STAGE, "years_20_plus"),  # a mentor's stage, not a mentee's
        (Step.HOUR, 3),
        (Step.DAY, 7),
        (Step.CAPACITY, 99),
        (Step.QUIET, (1, 2)),
    ):
        with pytest.raises(InvalidChoice):
            await people.answer(1, step, value)
    with pytest.raises(InvalidChoice):
        await people.toggle(1, Step.INTERESTS, "astrology")
    with pytest.raises(InvalidChoice):
        await people.choose_role(1, Role.COORDINATOR)
    with pytest.raises(NotRegistered):
        await people.answer(2, Step.NAME, "Nobody")


async def test_delete_personal_data_really_deletes(db: Database, clock: ManualClock) -> None:
    people = PeopleService(db, clock, coordinator_ids=frozenset())
    await people.ensure_default_programme("P")
    await people.consent(55, language="en", invite=None)
    await people.choose_role(55, Role.MENTOR)
    await people.answer(55, Step.NAME, "Dr Secret")
    await people.answer(55, Step.BIO, "My private story")
    await people.answer(55, Step.TIMEZONE, "America/Lima")

    assert await people.delete_personal_data(55) is True
    assert await people.lookup(55) is None
    async with db.read() as s:
        person = (await s.scalars(select(Person))).one()
        assert person.telegram_id is None and person.display_name is None
        assert person.timezone is None and person.consent_at is None
        assert person.status == PersonStatus.DELETED
        assert await s.scalar(select(func.count()).select_from(Profile)) == 0
        # The anonymous membership remains for programme statistics.
        assert await s.scalar(select(func.count()).select_from(Membership)) == 1
    assert await people.delete_personal_data(55) is False
    # They can come back as a brand-new person.
    back = await people.consent(55, language="en", invite=None)
    assert back.id != person.id and back.display_name is None


async def _cut_connections(url: str) -> int:
    """Terminate every other server connection to the database of ``url`` (a restart)."""
    admin = Database(url)
    try:
        async with admin.engine.connect() as conn:
            cut = await conn.scalar(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
    finally:
        await admin.dispose()
    return int(cut or 0)


async def test_an_idle_postgresql_connection_cut_by_the_server_is_replaced(
    postgres_url: str,
) -> None:
    db = Database(postgres_url, ping_after=0.0)  # every checkout counts as idle
    try:
        async with db.read() as s:
            assert await s.scalar(text("SELECT 1")) == 1
        assert await _cut_connections(postgres_url) >= 1
        async with db.read() as s:  # the ping finds it dead; a new connection serves
            assert await s.scalar(text("SELECT 2")) == 2
    finally:
        await db.dispose()


async def test_a_busy_postgresql_connection_cut_fails_once_then_the_pool_recovers(
    postgres_url: str,
) -> None:
    db = Database(postgres_url, ping_after=3600.0)  # used a moment ago: not pinged
    try:
        async with db.read() as s:
            assert await s.scalar(text("SELECT 1")) == 1
        assert await _cut_connections(postgres_url) >= 1
        with pytest.raises(DBAPIError) as failure:
            async with db.read() as s:
                await s.scalar(text("SELECT 2"))
        assert failure.value.connection_invalidated
        async with db.read() as s:
            assert await s.scalar(text("SELECT 3")) == 3
    finally:
        await db.dispose()
