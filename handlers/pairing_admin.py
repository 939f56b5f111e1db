"""``/pair``: a coordinator pairs a waiting mentee with a mentor in three taps.

Flow: ``/pair`` → (which programme, if they coordinate several) → the mentees still waiting for
a mentor → the three best mentors for the one tapped, each with the reasons of its score → a
tap on a mentor forms the pair, and both are introduced through the outbox.

Suggestions never include a mentor the mentee was paired with before; those are listed
apart ("↩️ … (paired before)"). Picking one — or any pair the rules refuse only because the
two were paired before — shows how their last pair ended with a *Pair them again anyway*
button (``pi``), which forms the pair despite the history (every other rule still holds).

Every button carries ids, and every id is checked again by the services when it is pressed:
a forged or stale button (another programme, a mentee already paired, a mentor now full,
someone who coordinates nothing here) is refused with a short explanation and changes nothing.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.context import PreceptorContext
from bot.i18n import Safe, has, t
from bot.services.pairing import PairingRefused, PreviousPair, Refusal, reason_text
from bot.services.programmes import NotCoordinator
from handlers.programmes import with_programme
from handlers.ui import (
    MAX_LISTED,
    callback_ids,
    drop_buttons,
    keyboard,
    language_for,
    person_of,
    query_of,
    refuse_stale,
    say,
    stack,
    user_of,
)


async def pair_command(update: Update, context: PreceptorContext) -> None:
    """``/pair``: start with the programme (or go straight to its waiting mentees)."""
    await with_programme(update, context, "pp", _waiting)


async def _waiting(
    update: Update, context: PreceptorContext, lang: str, programme_id: int, name: str
) -> None:
    mentees = await context.services.pairing.waiting_mentees(user_of(update).id, programme_id)
    if not mentees:
        await say(update, t(lang, "pair.nobody_waiting", programme=name))
        return
    choices = [(m.name, f"pm:{programme_id}:{m.person_id}") for m in mentees[:MAX_LISTED]]
    await say(update, t(lang, "pair.pick_mentee", programme=name), keyboard(choices))


async def on_button(update: Update, context: PreceptorContext) -> None:
    """Any ``/pair`` button: programme (pp), mentee (pm), mentor (pc) or insist (pi)."""
    query, data = query_of(update)
    person = await person_of(update, context)
    lang = language_for(update, context, person)
    kind = data[:3]
    ids = callback_ids(data, kind, {"pp:": 1, "pm:": 2, "pc:": 3, "pi:": 3}.get(kind, 0))
    if person is None or ids is None:
        await refuse_stale(query, lang)
        return
    try:
        if kind == "pp:":
            programme = await context.services.programmes.get(person.telegram_id, ids[0])
            await query.answer()
            await _waiting(update, context, lang, programme.id, programme.name)
        elif kind == "pm:":
            await _suggest(update, context, lang, ids[0], ids[1])
        else:
            await _confirm(update, context, lang, ids[0], ids[1], ids[2], insist=kind == "pi:")
    except NotCoordinator:
        await query.answer(t(lang, "coordinator.only"), show_alert=True)
    except PairingRefused as refusal:
        if kind == "pc:" and refusal.reason == Refusal.PAIRED_BEFORE:
            await _ask_insist(update, context, lang, ids[0], ids[1], ids[2])
            return
        await query.answer(t(lang, f"pair.refused.{refusal.reason}"), show_alert=True)


async def _suggest(
    update: Update, context: PreceptorContext, lang: str, programme_id: int, mentee_id: int
) -> None:
    query, _ = query_of(update)
    pairing = context.services.pairing
    mentee, suggestions = await pairing.suggestions(user_of(update).id, programme_id, mentee_id)
    before = await pairing.previous_mentors(user_of(update).id, programme_id, mentee_id)
    await query.answer()
    # Earlier mentors, apart: picking one leads to the insist step, never to a silent repeat.
    earlier = [
        (t(lang, "pair.insist.previous", name=m.name), _pick(programme_id, m.person_id, mentee_id))
        for m in before
    ]
    again = keyboard(earlier, columns=1)
    if not suggestions:
        await say(update, t(lang, "pair.no_mentors", name=mentee.name), again if before else None)
        return
    lines = [
        t(
            lang,
            "pair.suggestion_line",
            n=n,
            name=s.mentor.name,
            reasons=reason_text(lang, s.score.reasons),
        )
        for n, s in enumerate(suggestions, start=1)
    ]
    choices = [
        (f"{n}. {s.mentor.name}", _pick(programme_id, s.mentor.person_id, mentee_id))
        for n, s in enumerate(suggestions, start=1)
    ]
    text = t(lang, "pair.pick_mentor", name=mentee.name, lines=Safe("\n".join(lines)))
    await say(update, text, stack(keyboard(choices, columns=1), again))


def _pick(programme_id: int, mentor_id: int, mentee_id: int) -> str:
    """The callback data of a tap on a mentor for a mentee."""
    return f"pc:{programme_id}:{mentor_id}:{mentee_id}"


async def _confirm(
    update: Update,
    context: PreceptorContext,
    lang: str,
    programme_id: int,
    mentor_id: int,
    mentee_id: int,
    *,
    insist: bool = False,
) -> None:
    query, _ = query_of(update)
    services = context.services
    pair = await services.pairing.pair(
        user_of(update).id, programme_id, mentor_id, mentee_id, insist=insist
    )
    services.outbox.notify()
    await query.answer()
    await drop_buttons(query)
    await say(update, t(lang, "pair.done", mentee=pair.mentee_name, mentor=pair.mentor_name))


async def _ask_insist(
    update: Update,
    context: PreceptorContext,
    lang: str,
    programme_id: int,
    mentor_id: int,
    mentee_id: int,
) -> None:
    """The two were paired before: how that ended, and a button to pair them again anyway."""
    query, _ = query_of(update)
    before = await context.services.pairing.previous_pair(
        user_of(update).id, programme_id, mentor_id, mentee_id
    )
    await query.answer()
    insist = [(t(lang, "pair.insist.button"), f"pi:{programme_id}:{mentor_id}:{mentee_id}")]
    await say(update, _previous_text(lang, before), keyboard(insist, columns=1))


def _previous_text(lang: str, before: PreviousPair) -> str:
    reason = before.reason or "—"
    rating = before.rating
    return t(
        lang,
        "pair.insist.ask",
        mentee=before.mentee.name,
        mentor=before.mentor.name,
        date=before.ended_on.isoformat() if before.ended_on else "—",
        reason=t(lang, f"endreason.{reason}") if has(f"endreason.{reason}") else reason,
        rating=t(lang, "pair.insist.rating", rating=rating) if rating else "—",
    )


def handlers() -> list[object]:
    """This module's handlers."""
    return [
        CommandHandler("pair", pair_command),
        CallbackQueryHandler(on_button, pattern=r"^p[pmci]:"),
    ]
