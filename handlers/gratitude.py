"""``/thanks`` and ``/gratitude``: thank-you notes between a mentor and a mentee.

Flow: ``/thanks`` → with one active pair, the bot asks for the note at once; with several (a
mentor's mentees, or a mentee's mentors in different programmes) the person picks with a
button (``gt:<pairing id>``, checked again by the service, so a forged or stale button is
refused and changes nothing) → the next message is the note (the compose step
``gratitude``): empty, too long, or not text (a voice note, a photo) is explained and the step
waits again; ``/cancel`` stops → the recipient gets a small card through the outbox and the
sender a confirmation. ``/gratitude`` lists the notes a person received, newest first.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from telegram import Update
from telegram.constants import MessageLimit
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.context import PreceptorContext
from bot.i18n import t
from bot.services.gratitude import GratitudeRefused, Recipient
from bot.services.people import PersonView
from bot.services.profile import InvalidInput
from bot.services.questions import visible_len
from handlers.compose import expect, finish, step
from handlers.ui import (
    keyboard,
    language_for,
    person_of,
    query_of,
    refuse_stale,
    say,
    settle,
    user_of,
)
from storage.models import Role

STEP = "gratitude"


async def thanks(update: Update, context: PreceptorContext) -> None:
    """``/thanks``: ask for the note, or first whom it is for."""
    person = await _joined(update, context)
    if person is None:
        return
    lang = person.language
    recipients = await context.services.gratitude.recipients(person.telegram_id)
    if not recipients:
        mentee = Role.MENTEE in person.roles
        await say(update, t(lang, "gratitude.none.mentee" if mentee else "gratitude.none.mentor"))
        return
    if len(recipients) == 1:
        await _ask_for_note(update, context, recipients[0], lang)
        return
    programmes = {r.programme_name for r in recipients}
    choices = [
        (
            r.name
            if len(programmes) == 1
            else t(lang, "gratitude.choice", name=r.name, programme=r.programme_name),
            f"gt:{r.pairing_id}",
        )
        for r in recipients
    ]
    await say(update, t(lang, "gratitude.pick"), keyboard(choices, columns=1))


async def _joined(update: Update, context: PreceptorContext) -> PersonView | None:
    """The person behind the update; someone who has not joined yet is sent to /start."""
    person = await person_of(update, context)
    if person is None:
        await say(update, t(language_for(update, context, None), "start.first"))
    return person


async def on_pick(update: Update, context: PreceptorContext) -> None:
    """A ``gt:<pairing id>`` button: the note will go to the other side of that pair."""
    query, data = query_of(update)
    person = await person_of(update, context)
    lang = language_for(update, context, person)
    number = data.removeprefix("gt:")
    if person is None or not number.isdigit() or len(number) >= 12:
        await refuse_stale(query, lang)
        return
    try:
        recipient = await context.services.gratitude.recipient(person.telegram_id, int(number))
    except GratitudeRefused:
        await query.answer(t(lang, "gratitude.refused"), show_alert=True)
        return
    await settle(query, t(lang, "gratitude.ask", name=recipient.name))
    await expect(context, user_of(update).id, STEP, pairing=recipient.pairing_id)


async def _ask_for_note(
    update: Update, context: PreceptorContext, recipient: Recipient, lang: str
) -> None:
    await expect(context, user_of(update).id, STEP, pairing=recipient.pairing_id)
    await say(update, t(lang, "gratitude.ask", name=recipient.name))


@step(STEP)
async def on_note(
    update: Update, context: PreceptorContext, person: PersonView, data: dict[str, Any]
) -> None:
    """The note itself: validated, stored and queued, or explained and waited for again."""
    lang = person.language
    message = update.effective_message
    text = message.text if message is not None else None
    if text is None:
        await say(update, t(lang, "gratitude.text_only"))
        return
    pairing_id = int(data.get("pairing") or 0)
    try:
        sent = await context.services.gratitude.send(person.telegram_id, pairing_id, text)
    except InvalidInput as problem:  # empty or too_long
        await say(update, t(lang, f"gratitude.invalid.{problem.reason}", **problem.params))
        return
    except GratitudeRefused:
        await finish(context, person.telegram_id)
        await say(update, t(lang, "gratitude.refused"))
        return
    await finish(context, person.telegram_id)
    context.services.outbox.notify()
    await say(update, t(lang, "gratitude.sent", name=sent.recipient_name))


async def gratitude(update: Update, context: PreceptorContext) -> None:
    """``/gratitude``: the notes this person received, newest first."""
    person = await _joined(update, context)
    if person is None:
        return
    lang = person.language
    received = await context.services.gratitude.received(person.telegram_id)
    if not received.notes:
        await say(update, t(lang, "gratitude.inbox.empty"))
        return
    shown = len(received.notes)
    title = (
        t(lang, "gratitude.inbox.all", total=received.total)
        if shown == received.total
        else t(lang, "gratitude.inbox.some", total=received.total, shown=shown)
    )
    lines = [
        t(
            lang,
            "gratitude.inbox.line",
            day=note.day.isoformat(),
            name=note.sender_name,
            programme=note.programme_name,
            text=note.text,
        )
        for note in received.notes
    ]
    for chunk in _messages([title, *lines]):
        await say(update, chunk)


def _messages(blocks: Iterable[str], limit: int = MessageLimit.MAX_TEXT_LENGTH) -> list[str]:
    """Blocks joined by blank lines into as few messages as Telegram's length limit allows.

    Ten full-length notes do not fit in one message; a block is never split across two.
    """
    messages: list[str] = []
    for block in blocks:
        if messages and visible_len(messages[-1]) + 2 + visible_len(block) <= limit:
            messages[-1] += "\n\n" + block
        else:
            messages.append(block)
    return messages


def handlers() -> list[object]:
    """This module's handlers."""
    return [
        CommandHandler("thanks", thanks),
        CommandHandler("gratitude", gratitude),
        CallbackQueryHandler(on_pick, pattern=r"^gt:"),
    ]
