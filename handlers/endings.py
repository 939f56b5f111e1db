"""Ending a pair: ``/endpair`` for either side, ``/unpair`` for a programme's coordinators.

Flow (all buttons, three taps): the pair (``ep``) → a 1–5 rating (``er``; a coordinator may
skip it) → the main reason (``ex``) → done. The other side is told kindly through the outbox,
and the mentee is offered a new match by the programme's pairing mode: mentors to ask in a
mentee-choice programme, else the waiting list, with the programme's coordinators told (a
button opens ``/pair`` for that mentee). A mentee who ends it themselves reads the offer in the
reply; a coordinator who ends it reads the waiting mentee's button there.

A pair never appears to anyone outside it, and every tap is checked again by the pairing
service: a forged or stale button is refused and changes nothing.
"""

from __future__ import annotations

from telegram import CallbackQuery, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.context import PreceptorContext
from bot.i18n import t
from bot.services.pairing import (
    EndedPair,
    PairingRefused,
    PairView,
    offer_buttons,
    offer_text,
    waiting_buttons,
    waiting_text,
)
from bot.services.programmes import NotCoordinator
from handlers.programmes import coordinated
from handlers.ui import (
    drop_buttons,
    is_id,
    keyboard,
    language_for,
    person_of,
    query_of,
    redraw,
    refuse_stale,
    rows_keyboard,
    say,
    stack,
    user_of,
)
from storage.models import Role

REASONS = ("finished", "no_fit", "no_time", "other")
NO_RATING = 0  # a skipped rating (coordinators may skip: they may have seen little of it)


def _pair_buttons(pairs: list[PairView]) -> list[tuple[str, str]]:
    return [(f"{p.mentee_name} ↔ {p.mentor_name}", f"ep:{p.id}") for p in pairs]


async def end_pair(update: Update, context: PreceptorContext) -> None:
    """``/endpair``: choose one of my pairs to end."""
    person = await person_of(update, context)
    lang = language_for(update, context, person)
    if person is None:
        await say(update, t(lang, "start.first"))
        return
    pairing = context.services.pairing
    pairs = [
        *await pairing.pairs_of(person.telegram_id, as_role=Role.MENTEE),
        *await pairing.pairs_of(person.telegram_id, as_role=Role.MENTOR),
    ]
    if not pairs:
        await say(update, t(lang, "endpair.none"))
        return
    await say(update, t(lang, "endpair.pick"), keyboard(_pair_buttons(pairs), columns=1))


async def unpair(update: Update, context: PreceptorContext) -> None:
    """``/unpair``: a coordinator chooses a pair of their programmes to end."""
    lang, programmes = await coordinated(update, context)
    if not programmes:
        return
    pairs = [
        pair
        for programme in programmes
        for pair in await context.services.pairing.programme_pairs(
            user_of(update).id, programme.id
        )
    ]
    if not pairs:
        await say(update, t(lang, "unpair.none"))
        return
    await say(update, t(lang, "endpair.pick"), keyboard(_pair_buttons(pairs), columns=1))


def _parse(data: str) -> tuple[str, list[int], str] | None:
    parts = data.split(":")
    kind, rest = parts[0], parts[1:]
    reason = rest.pop() if kind == "ex" and rest else ""
    if kind == "ex" and reason not in REASONS:
        return None
    wanted = {"ep": 1, "er": 2, "ex": 2}.get(kind)
    if wanted is None or len(rest) != wanted or not all(is_id(p) for p in rest):
        return None
    return kind, [int(p) for p in rest], reason


async def on_button(update: Update, context: PreceptorContext) -> None:
    """The pair (ep), the rating (er) or the reason (ex) of an ending."""
    query, data = query_of(update)
    person = await person_of(update, context)
    lang = language_for(update, context, person)
    parsed = _parse(data)
    if person is None or parsed is None:
        await refuse_stale(query, lang)
        return
    kind, ids, reason = parsed
    pairing_id = ids[0]
    pairing = context.services.pairing
    try:
        if kind == "ep":
            role = await pairing.ending_role(person.telegram_id, pairing_id)
            await _close(query)
            await _ask_rating(update, lang, pairing_id, role)
        elif kind == "er":
            if not NO_RATING <= ids[1] <= 5:
                await refuse_stale(query, lang)
                return
            await pairing.ending_role(person.telegram_id, pairing_id)  # still theirs to end?
            await _close(query)
            await _ask_reason(update, lang, pairing_id, ids[1])
        else:
            rating = ids[1] or None
            ended = await pairing.end(person.telegram_id, pairing_id, reason=reason, rating=rating)
            context.services.outbox.notify()
            await query.answer()
            await redraw(query, *_ended_reply(lang, ended))
    except (PairingRefused, NotCoordinator) as refusal:
        code = refusal.reason if isinstance(refusal, PairingRefused) else "not_yours"
        await query.answer(t(lang, f"pair.refused.{code}"), show_alert=True)


async def _ask_rating(update: Update, lang: str, pairing_id: int, role: Role) -> None:
    """The rating step, one for everyone who ends a pair: 1 to 5, and a coordinator may
    skip it (they rate what they saw of the pair, which may be little)."""
    markup = keyboard([(str(n), f"er:{pairing_id}:{n}") for n in range(1, 6)], columns=5)
    if role != Role.COORDINATOR:
        await say(update, t(lang, "endpair.rate"), markup)
        return
    skip = keyboard([(t(lang, "end.skip"), f"er:{pairing_id}:{NO_RATING}")], columns=1)
    await say(update, t(lang, "end.rate_coordinator"), stack(markup, skip))


async def _ask_reason(update: Update, lang: str, pairing_id: int, rating: int) -> None:
    choices = [(t(lang, f"endreason.{r}"), f"ex:{pairing_id}:{rating}:{r}") for r in REASONS]
    await say(update, t(lang, "endpair.reason"), keyboard(choices, columns=1))


def _ended_reply(lang: str, ended: EndedPair) -> tuple[str, InlineKeyboardMarkup | None]:
    """The record of the ending, with what comes next for whoever can act on it: the mentee's
    offer when they ended it, the waiting mentee's ``/pair`` button for a coordinator."""
    text = t(lang, "endpair.done", mentee=ended.mentee_name, mentor=ended.mentor_name)
    offer = ended.offer
    if offer is None:
        return text, None
    if ended.ended_by == Role.MENTEE:
        more, rows = offer_text(lang, offer), offer_buttons(lang, offer)
    elif ended.ended_by == Role.COORDINATOR and offer.coordinators_told:
        more, rows = waiting_text(lang, offer), waiting_buttons(lang, offer)
    else:
        return text, None
    return f"{text}\n\n{more}", rows_keyboard(rows)


async def _close(query: CallbackQuery) -> None:
    """Answer a step's tap and take its buttons away, so it cannot be answered twice."""
    await query.answer()
    await drop_buttons(query)


def handlers() -> list[object]:
    """This module's handlers."""
    return [
        CommandHandler("endpair", end_pair),
        CommandHandler("unpair", unpair),
        CallbackQueryHandler(on_button, pattern=r"^e[prx]:"),
    ]
