"""``/findmentor`` for mentees in mentee-choice programmes, and the buttons of a request.

Flow: ``/findmentor`` → (which programme, when the mentee may choose in several: ``rq:p``) →
up to three mentor cards (name, field, reasons — no username, no phone) with one *Ask* button
each (``rq:r``) → the mentor gets the request with *Accept* (``rq:a``) / *Decline* (``rq:d``) /
*Ask for more* (``rq:m``) → accepting forms the pair and introduces both.

*Ask for more* is a relay: the bot asks the mentor what they would like to know and waits for
their next message (compose step ``request_question``) → the question reaches the mentee with a
*Reply* button (``rq:y``) → the mentee's next message (compose step ``request_answer``) reaches
the mentor with the three answer buttons again. ``/cancel`` stops either step.

Stale or forged buttons (a request that expired or was decided, someone else's request, a
programme the mentee is not in, a mentor who is not one the mentee may ask) are refused and
change nothing. The same *Ask* buttons also reach a mentee through the outbox, when a request
ends without a pair (see ``bot.services.requests``).
"""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.context import PreceptorContext
from bot.i18n import t
from bot.services.pairing import PairingRefused, Refusal
from bot.services.people import PersonView
from bot.services.requests import (
    RELAY_MAX,
    UNAVAILABLE,
    Decision,
    MentorChoices,
    RequestView,
    Side,
    offer_cards,
    relay_problem,
)
from handlers.compose import expect, finish, step
from handlers.ui import (
    drop_buttons,
    is_id,
    keyboard,
    language_for,
    person_of,
    query_of,
    refuse_stale,
    rows_keyboard,
    say,
    settle,
)

DECISIONS: dict[str, Decision] = {"a": "accept", "d": "decline"}
ASKING, ANSWERING = "request_question", "request_answer"
# Who may press a "write something" button, and which compose step then takes their message.
WRITERS: dict[str, tuple[Side, str]] = {"m": ("mentor", ASKING), "y": ("mentee", ANSWERING)}


async def find_mentor(update: Update, context: PreceptorContext) -> None:
    """``/findmentor``: the mentors this mentee may ask, which programme first, or why not now."""
    person = await person_of(update, context)
    lang = language_for(update, context, person)
    if person is None:
        await say(update, t(lang, "start.first"))
        return
    await _show(update, lang, await context.services.requests.choices(person.telegram_id))


async def _show(update: Update, lang: str, choices: MentorChoices) -> None:
    """Render ``choices``: programme buttons, mentor cards, or the reason there are none."""
    if choices.state == "pick":
        buttons = [(p.name, f"rq:p:{p.id}") for p in choices.programmes]
        await say(update, t(lang, "findmentor.pick_programme"), keyboard(buttons, columns=1))
        return
    if choices.state != "choose":
        values = {"name": choices.pending_mentor or "", "programme": choices.programme_name}
        await say(update, t(lang, f"findmentor.{choices.state}", **values))
        return
    if not choices.suggestions:
        await say(update, t(lang, "findmentor.nobody"))
        return
    assert choices.programme_id is not None  # "choose" always names its programme
    text, rows = offer_cards(lang, choices.programme_id, choices.suggestions)
    await say(update, text, rows_keyboard(rows))


async def on_button(update: Update, context: PreceptorContext) -> None:
    """Any request button: the mentee's rq:p / rq:r / rq:y, the mentor's rq:a / rq:d / rq:m."""
    query, data = query_of(update)
    person = await person_of(update, context)
    lang = language_for(update, context, person)
    parts = data.split(":")
    kind, numbers = parts[1] if len(parts) > 1 else "", parts[2:]
    if person is None or not numbers or not all(is_id(n) for n in numbers):
        await refuse_stale(query, lang)
        return
    ids = [int(n) for n in numbers]
    requests, user_id = context.services.requests, person.telegram_id
    try:
        if kind == "p" and len(ids) == 1:
            choices = await requests.choices(user_id, ids[0])
            await query.answer()
            await drop_buttons(query)
            await _show(update, lang, choices)
        elif kind == "r" and len(ids) == 2:
            request = await requests.request(user_id, ids[0], ids[1])
            context.services.outbox.notify()
            await settle(query, t(lang, "findmentor.sent", name=request.mentor_name))
        elif kind in DECISIONS and len(ids) == 1:
            decision = DECISIONS[kind]
            request = await requests.decide(user_id, ids[0], decision)
            context.services.outbox.notify()
            await settle(query, t(lang, _decided_key(request, decision), name=request.mentee_name))
        elif kind in WRITERS and len(ids) == 1:
            side, then = WRITERS[kind]
            request = await requests.check_open(user_id, ids[0], side)
            await expect(context, user_id, then, request=request.id)
            await query.answer()  # the buttons stay: the request is still open
            other = request.mentee_name if side == "mentor" else request.mentor_name
            await say(update, t(lang, f"request.write.{side}", name=other, limit=RELAY_MAX))
        else:
            await refuse_stale(query, lang)
    except PairingRefused as refusal:
        back = t(lang, "away.back")  # ``request.away`` names the button that ends the break
        await query.answer(t(lang, _refusal_key(refusal, kind), back=back), show_alert=True)


def _refusal_key(refusal: PairingRefused, kind: str = "") -> str:
    """The catalog key that explains a refusal in words about requests, not pairs."""
    if refusal.reason == Refusal.ALREADY_ENDED:
        return "request.closed"
    if refusal.reason == Refusal.NOT_MEMBERS and kind in ("p", "r"):
        return "findmentor.not_member"
    if refusal.reason == UNAVAILABLE:
        return "request.unavailable"
    if refusal.reason == Refusal.AWAY and kind in DECISIONS:
        return "request.away"  # said to the mentor, about themself; the request stays open
    return f"pair.refused.{refusal.reason}"


def _decided_key(request: RequestView, decision: Decision) -> str:
    """What the mentor's request message turns into once they answered."""
    if request.closed_because is None:
        return f"request.done.{decision}"
    if request.closed_because in (Refusal.NO_CAPACITY, Refusal.HAS_MENTOR):
        return f"request.done.{request.closed_because}"
    return "request.done.not_allowed"


@step(ASKING)
async def question_written(
    update: Update, context: PreceptorContext, person: PersonView, data: dict[str, Any]
) -> None:
    """The mentor's question, on its way to the mentee."""
    await _relay(update, context, person, int(data["request"]), "mentor")


@step(ANSWERING)
async def answer_written(
    update: Update, context: PreceptorContext, person: PersonView, data: dict[str, Any]
) -> None:
    """The mentee's answer, on its way back to the mentor."""
    await _relay(update, context, person, int(data["request"]), "mentee")


async def _relay(
    update: Update, context: PreceptorContext, person: PersonView, request_id: int, side: Side
) -> None:
    """Check what ``side`` wrote and pass it on; bad input is explained and waited for again."""
    lang, user_id = person.language, person.telegram_id
    message = update.effective_message
    text = message.text if message is not None else None
    problem = relay_problem(text)
    if message is None or text is None or problem is not None:
        length = len(text.strip()) if text else 0
        await say(update, t(lang, f"request.relay.{problem}", limit=RELAY_MAX, length=length))
        return
    requests = context.services.requests
    relay = requests.ask_mentee if side == "mentor" else requests.answer_mentor
    try:
        request = await relay(user_id, request_id, text, message_key=message.message_id)
    except PairingRefused as refusal:
        # The request ended while they were writing: nothing to wait for any more.
        await finish(context, user_id)
        await say(update, t(lang, _refusal_key(refusal)))
        return
    await finish(context, user_id)
    context.services.outbox.notify()
    other = request.mentee_name if side == "mentor" else request.mentor_name
    await say(update, t(lang, f"request.sent.{side}", name=other))


def handlers() -> list[object]:
    """This module's handlers (its compose steps register themselves on import)."""
    return [
        CommandHandler("findmentor", find_mentor),
        CallbackQueryHandler(on_button, pattern=r"^rq:"),
    ]
