"""What a person's next message is for, when a feature asked them to write something.

Flow: a feature asks a question that wants free input (a question for the mentor, a reply, a
thank-you note, a goal's deadline…) and calls ``expect(context, user_id, kind, **data)``. The
person's next message in the private chat — text, voice note, photo, document, or anything
else that is not a command — goes to the step registered for ``kind`` with ``@step(kind)``.
The step validates; on bad input it explains and calls nothing, so the same step waits
again; when done it calls ``finish`` or ``expect`` for the next step.

What is expected lives in the person's conversation draft in the database (key ``compose``),
not in memory, so a restart or a crash keeps everyone where they were. ``/cancel`` forgets it.
Messages nobody expects go to the reply hooks (a Telegram reply to a relayed message finds its
thread), then get the "what can I do for you" answer.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import CommandHandler, MessageHandler, filters

from bot.context import PreceptorContext
from bot.i18n import t
from bot.services.conversations import InTransaction
from bot.services.people import PersonView
from handlers.ui import language_for, say, user_of

Step = Callable[[Update, PreceptorContext, PersonView, dict[str, Any]], Awaitable[None]]
ReplyHook = Callable[[Update, PreceptorContext, PersonView], Awaitable[bool]]

_STEPS: dict[str, Step] = {}
_REPLY_HOOKS: list[ReplyHook] = []


def step(kind: str) -> Callable[[Step], Step]:
    """Register the function that takes the next message when ``kind`` is expected."""

    def register(function: Step) -> Step:
        if kind in _STEPS:
            raise ValueError(f"compose step {kind!r} registered twice")
        _STEPS[kind] = function
        return function

    return register


def reply_hook(function: ReplyHook) -> ReplyHook:
    """Register a hook for unexpected messages; it returns True when it handled one."""
    _REPLY_HOOKS.append(function)
    return function


async def expect(context: PreceptorContext, user_id: int, kind: str, **data: Any) -> None:
    """Send the person's next message to the step ``kind``, with ``data`` (JSON values)."""
    if kind not in _STEPS:
        raise KeyError(f"no compose step {kind!r}")
    await context.services.conversations.update_draft(user_id, compose={"kind": kind, **data})


async def finish(context: PreceptorContext, user_id: int) -> None:
    """Expect nothing more from the person."""
    await context.services.conversations.update_draft(user_id, compose=None)


def finishing(context: PreceptorContext, user_id: int) -> InTransaction:
    """``finish`` as a step of the transaction that stores what the person wrote."""
    return context.services.conversations.draft_change(user_id, compose=None)


async def expected(context: PreceptorContext, user_id: int) -> dict[str, Any] | None:
    """What the person's next message is for, or None."""
    return _expected_in(await context.services.conversations.draft(user_id))


def _expected_in(draft: dict[str, Any]) -> dict[str, Any] | None:
    compose = draft.get("compose")
    return compose if isinstance(compose, dict) and compose.get("kind") in _STEPS else None


async def _person_and_step(
    update: Update, context: PreceptorContext
) -> tuple[PersonView | None, dict[str, Any] | None]:
    """Who wrote and what their next message is for, in one read."""
    person, draft = await context.services.people.lookup_with_draft(user_of(update).id)
    return person, _expected_in(draft) if person is not None else None


async def on_message(update: Update, context: PreceptorContext) -> None:
    """Any non-command message in a private chat outside onboarding."""
    person, compose = await _person_and_step(update, context)
    lang = language_for(update, context, person)
    if person is None:
        await say(update, t(lang, "start.first"))
        return
    if compose is not None:
        await _STEPS[compose["kind"]](update, context, person, compose)
        return
    for hook in _REPLY_HOOKS:
        if await hook(update, context, person):
            return
    await say(update, t(lang, "unknown.message"))


async def cancel(update: Update, context: PreceptorContext) -> None:
    """``/cancel`` outside onboarding: forget what was expected, if anything."""
    person, compose = await _person_and_step(update, context)
    lang = language_for(update, context, person)
    user_id = user_of(update).id
    if compose is not None:
        await finish(context, user_id)
        await say(update, t(lang, "cancel.done"))
        return
    await say(update, t(lang, "cancel.nothing"))


def handlers() -> list[object]:
    """``/cancel`` and the catch-all for messages; registered after every feature."""
    return [
        CommandHandler("cancel", cancel),
        MessageHandler(filters.ChatType.PRIVATE & ~filters.COMMAND, on_message),
    ]
