"""Ending a pair: ``/endpair`` for either side, ``/unpair`` for a programme's coordinators.

Flow (all buttons, three taps): the pair → a 1–5 rating (sides only) → the main reason → done;
the other side is told kindly through the outbox, and a mentee may be paired again. A pair
never appears to anyone outside it, and every tap is checked again by the pairing service.
"""

from __future__ import annotations

from telegram import CallbackQuery, Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.context import PreceptorContext
from bot.i18n import t
from bot.services.pairing import PairingRefused, PairView
from bot.services.programmes import NotCoordinator
from handlers.programmes import coordinated
from handlers.ui import (
    drop_buttons,
    is_id,
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

REASONS = ("finished", "no_fit", "no_time", "other")
NO_RATING = 0  # coordinators end pairs without rating them


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
    if kind == "ep":
        sides = await context.services.pairing.pairs_of(person.telegram_id, as_role=Role.MENTEE)
        sides += await context.services.pairing.pairs_of(person.telegram_id, as_role=Role.MENTOR)
        if any(p.id == pairing_id for p in sides):
            choices = [(str(n), f"er:{pairing_id}:{n}") for n in range(1, 6)]
            await _close(query)
            await say(update, t(lang, "endpair.rate"), keyboard(choices, columns=5))
        else:  # a coordinator's /unpair: no rating
            await _ask_reason(update, lang, pairing_id, NO_RATING)
        return
    if kind == "er":
        if not 1 <= ids[1] <= 5:
            await refuse_stale(query, lang)
            return
        await _ask_reason(update, lang, pairing_id, ids[1])
        return
    rating = ids[1] or None
    try:
        pair = await context.services.pairing.end(
            person.telegram_id, pairing_id, reason=reason, rating=rating
        )
    except (PairingRefused, NotCoordinator) as refusal:
        code = refusal.reason if isinstance(refusal, PairingRefused) else "not_yours"
        await query.answer(t(lang, f"pair.refused.{code}"), show_alert=True)
        return
    context.services.outbox.notify()
    await settle(query, t(lang, "endpair.done", mentee=pair.mentee_name, mentor=pair.mentor_name))


async def _ask_reason(update: Update, lang: str, pairing_id: int, rating: int) -> None:
    query, _ = query_of(update)
    choices = [(t(lang, f"endreason.{r}"), f"ex:{pairing_id}:{rating}:{r}") for r in REASONS]
    await _close(query)
    await say(update, t(lang, "endpair.reason"), keyboard(choices, columns=1))


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
