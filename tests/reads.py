"""Shared by the read-path tests: counting the statements a call runs, and a small world of
two programmes (the default one and "Rural Surgery") with people who joined one or both."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from bot.services.people import PeopleService
from bot.services.profile import Step
from bot.services.programmes import ProgrammeService
from storage.database import Database
from storage.models import Role

COORDINATOR = 1
SECOND_PROGRAMME = "Rural Surgery"


@contextmanager
def counted(db: Database) -> Iterator[list[str]]:
    """The SQL statements run inside the block (transaction control left out)."""
    seen: list[str] = []

    def _seen(*args: Any) -> None:
        statement = str(args[2]).lstrip()
        if statement.split(" ", 1)[0].upper() in ("SELECT", "INSERT", "UPDATE", "DELETE"):
            seen.append(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", _seen)
    try:
        yield seen
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", _seen)


async def two_programmes(
    people: PeopleService,
    programmes: ProgrammeService,
    joined: Mapping[int, tuple[str, Role]],
    *,
    also_second: Mapping[int, Role],
) -> tuple[int, int, dict[int, int]]:
    """Everyone in ``joined`` (Telegram id -> name, role) joins the default programme
    (mentors with 3 places); those in ``also_second`` join "Rural Surgery" too.

    Returns:
        The default programme's id, the second one's, and each person's id by Telegram id.
    """
    default = (await people.ensure_default_programme("Preceptor")).id
    await people.consent(COORDINATOR, language="en", invite=None)
    ids = {}
    for telegram_id, (name, role) in joined.items():
        await people.consent(telegram_id, language="en", invite=None)
        ids[telegram_id] = (await people.choose_role(telegram_id, role)).id
        await people.answer(telegram_id, Step.NAME, name)
        await people.toggle(telegram_id, Step.LANGUAGES, "es")  # pairable: a common language
        if role == Role.MENTOR:
            await people.answer(telegram_id, Step.CAPACITY, 3)
    second = await programmes.create(COORDINATOR, SECOND_PROGRAMME)
    for telegram_id, role in also_second.items():
        invite = await people.find_invite(second.invites[role])
        await people.consent(telegram_id, language="en", invite=invite)
    return default, second.id, ids
