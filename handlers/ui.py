"""Shared pieces of the Telegram surface: who is talking, in which language, and buttons.

Every handler module renders through these helpers so that keyboards, languages and the
"stale button" answer look and behave the same everywhere.
"""

from __future__ import annotations

from collections.abc import Awaitable, Iterable, Mapping, Sequence
from typing import TypeVar

from telegram import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
    User,
)
from telegram.error import BadRequest

from bot.context import PreceptorContext
from bot.i18n import pick_language, t
from bot.services.people import PersonView

Choice = tuple[str, str]  # (label, callback data)
MAX_LISTED = 20  # people offered as buttons at once; more would bury the chat

_Action = TypeVar("_Action")


def keyboard(choices: Iterable[Choice], *, columns: int = 2) -> InlineKeyboardMarkup:
    """Inline buttons laid out ``columns`` to a row."""
    buttons = [InlineKeyboardButton(label, callback_data=data) for label, data in choices]
    rows = [buttons[i : i + columns] for i in range(0, len(buttons), columns)]
    return InlineKeyboardMarkup(rows)


def rows_keyboard(
    rows: Sequence[Sequence[Mapping[str, str]]] | None,
) -> InlineKeyboardMarkup | None:
    """The services' plain button rows (``{"text", "callback_data"}``, as the outbox stores
    them) as an inline keyboard, row for row; None when there are none."""
    if not rows:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(b["text"], callback_data=b["callback_data"]) for b in row]
            for row in rows
        ]
    )


def stack(*keyboards: InlineKeyboardMarkup) -> InlineKeyboardMarkup:
    """Several keyboards one under the other (e.g. choices, then a Done row)."""
    rows: list[Sequence[InlineKeyboardButton]] = []
    for markup in keyboards:
        rows.extend(markup.inline_keyboard)
    return InlineKeyboardMarkup(rows)


def user_of(update: Update) -> User:
    """The person who sent this update (handlers only run for updates that have one)."""
    user = update.effective_user
    if user is None:
        raise RuntimeError("update without a user reached a personal handler")
    return user


def query_of(update: Update) -> tuple[CallbackQuery, str]:
    """The button press in this update and its callback data."""
    query = update.callback_query
    if query is None or query.data is None:
        raise RuntimeError("a callback handler got an update without callback data")
    return query, query.data


async def person_of(update: Update, context: PreceptorContext) -> PersonView | None:
    """The registered person behind the update, or None before consent."""
    return await context.services.people.lookup(user_of(update).id)


def language_for(update: Update, context: PreceptorContext, person: PersonView | None) -> str:
    """The language to speak: the person's choice, else their Telegram app's, else default."""
    if person is not None:
        return person.language
    return pick_language(user_of(update).language_code, context.services.settings.default_language)


async def say(
    update: Update, text: str, markup: InlineKeyboardMarkup | None = None
) -> Message | None:
    """Send ``text`` to the chat the update came from."""
    chat = update.effective_chat
    if chat is None:
        return None
    return await chat.send_message(text, reply_markup=markup)


async def settle(query: CallbackQuery, text: str) -> None:
    """Answer a button press and turn its message into a plain record of the choice.

    The keyboard is removed so the same question cannot be answered twice by an old tap.
    """
    await query.answer()
    await redraw(query, text, None)


async def redraw(query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None) -> None:
    """Replace the pressed message's text and buttons; pressing the same choice twice is fine."""
    await _unless_unchanged(query.edit_message_text(text, reply_markup=markup))


async def drop_buttons(query: CallbackQuery) -> None:
    """Take the pressed message's buttons away (a double tap finds them gone already)."""
    await _unless_unchanged(query.edit_message_reply_markup(None))


async def _unless_unchanged(edit: Awaitable[object]) -> None:
    """Run an edit; Telegram's "message is not modified" (a double tap) is not an error."""
    try:
        await edit
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise


async def refuse_stale(query: CallbackQuery, lang: str) -> None:
    """Tell someone politely that the button they pressed no longer does anything."""
    await query.answer(t(lang, "stale_button"), show_alert=True)


def is_id(field: str) -> bool:
    """Whether a field of callback data can be a database id (digits, at most 11 of them)."""
    return field.isdigit() and len(field) < 12


def callback_ids(data: str, prefix: str, count: int) -> list[int] | None:
    """The ``count`` ids after ``prefix`` in callback data (``"pc:3:17:42"``), or None when the
    data is malformed — a forged or outdated button."""
    parts = data.removeprefix(prefix).split(":")
    if len(parts) != count or not all(is_id(p) for p in parts):
        return None
    return [int(p) for p in parts]


def parse_button(
    data: str, prefix: str, actions: Mapping[str, tuple[int, int, _Action]]
) -> tuple[_Action, list[str]] | None:
    """The registered action of a ``prefix`` + ``action:field:…`` button and its fields.

    ``actions`` maps each action code to (how many fields follow, how many of the first ones
    are ids, the action). None when the data has no such action or not its shape: a forged
    or outdated button.
    """
    code, *fields = data.removeprefix(prefix).split(":")
    shape = actions.get(code)
    if shape is None or len(fields) != shape[0] or not all(is_id(f) for f in fields[: shape[1]]):
        return None
    return shape[2], fields
