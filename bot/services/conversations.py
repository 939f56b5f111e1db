"""Where people are in multi-step conversations, and what they typed there, kept in the database.

PTB's ``ConversationHandler`` keeps states in memory; ``bot.persistence`` mirrors them here so
a restart (or a crash) resumes everyone where they were. Drafts hold the few values a step
needs before it can be saved for good (an invite code awaiting consent, timezone candidates
awaiting a tap).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from storage.database import Database
from storage.models import ConversationDraft, ConversationState

ConversationKey = tuple[int, int]
InTransaction = Callable[[AsyncSession], Awaitable[None]]
"""Extra work a service runs inside its own write transaction (see ``draft_change``)."""


class ConversationStore:
    """Conversation states and drafts, one small transaction each."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def load(self, name: str) -> dict[ConversationKey, str]:
        """Every stored state of the conversation ``name``, keyed by (chat id, user id)."""
        async with self._db.read() as s:
            rows = await s.execute(
                select(
                    ConversationState.chat_id, ConversationState.user_id, ConversationState.state
                ).where(ConversationState.name == name)
            )
            return {(chat_id, user_id): state for chat_id, user_id, state in rows}

    async def save(self, changes: list[tuple[str, ConversationKey, str | None]]) -> None:
        """Apply state changes (None ends the conversation) in one transaction."""
        if not changes:
            return
        now = self._clock.now()
        async with self._db.session() as s:
            for name, (chat_id, user_id), state in changes:
                row = await s.get(ConversationState, (name, chat_id, user_id))
                if state is None:
                    if row is not None:
                        await s.delete(row)
                elif row is None:
                    s.add(
                        ConversationState(
                            name=name,
                            chat_id=chat_id,
                            user_id=user_id,
                            state=state,
                            updated_at=now,
                        )
                    )
                else:
                    row.state, row.updated_at = state, now

    async def draft(self, user_id: int) -> dict[str, Any]:
        """What the person typed in unfinished steps (empty when nothing)."""
        async with self._db.read() as s:
            row = await s.get(ConversationDraft, user_id)
            return dict(row.data) if row is not None else {}

    async def update_draft(self, user_id: int, **values: Any) -> dict[str, Any]:
        """Merge ``values`` into the draft; a None value removes that key."""
        async with self._db.session() as s:
            return await _merge_draft(s, user_id, values, self._clock.now())

    def draft_change(self, user_id: int, **values: Any) -> InTransaction:
        """``update_draft(user_id, **values)`` as a step of someone else's transaction.

        A feature that stores what a step collected passes this to its service, so that the
        step is over exactly when its result is stored: never one without the other.
        """

        async def apply(s: AsyncSession) -> None:
            await _merge_draft(s, user_id, values, self._clock.now())

        return apply

    async def clear_draft(self, user_id: int) -> None:
        """Forget the draft."""
        async with self._db.session() as s:
            await s.execute(delete(ConversationDraft).where(ConversationDraft.user_id == user_id))


async def _merge_draft(
    s: AsyncSession, user_id: int, values: dict[str, Any], now: datetime
) -> dict[str, Any]:
    row = await s.get(ConversationDraft, user_id)
    data = dict(row.data) if row is not None else {}
    for key, value in values.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    if row is None:
        s.add(ConversationDraft(user_id=user_id, data=data, updated_at=now))
    else:
        row.data, row.updated_at = data, now
    return data
