"""``/checkin``, the buttons of scheduled check-ins, and ``/settings``.

Flow of a pulse (the mentee's weekly check-in, sent by the sweep or opened with ``/checkin``):
one tap 1–5 → "anything blocking you?" (typed or a voice note through ``handlers.compose``,
or *Skip*, or *It's about my wellbeing*) → "would you like your mentor to reach out?"
(*Yes* / *No*, only asked when there is a mentor) → thanks. The prompt message itself is
re-drawn after each tap with what was answered, and its buttons stay: a score can be changed,
and the other parts of a merged prompt (the monthly pair check-in, the mentor's digest) are
answered on the same message.

``/settings`` shows when the next check-in comes and the check-in day, hour, quiet hours and
timezone, each with the profile's own edit button (``pf:<step>``, handled by onboarding, which
stores it through ``PeopleService`` and re-plans the schedule), plus *Pause* / *Resume*.

Callback data (``ck:`` prefix): ``s:<checkin>:<1-5>`` score; ``b:<checkin>:s`` skip the
blocking question, ``b:<checkin>:w`` a wellbeing concern; ``r:<checkin>:<y|n>`` mentor to
reach out; ``p:<checkin>:<pairing>:<y|n|h>`` pair check-in; ``v:<checkin>`` digest seen.
``st:pause`` / ``st:resume``. Every id is checked against the acting person by
``CheckinService``; forged or stale ones are refused and change nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from telegram import CallbackQuery, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.context import PreceptorContext
from bot.i18n import t
from bot.services.checkins import PAIR_ANSWERS, CheckinRefused, Prompt, PulseAnswer, render
from bot.services.people import PersonView
from bot.services.profile import InvalidInput, Step
from handlers.compose import expect, finish, step
from handlers.onboarding import value_label
from handlers.ui import (
    keyboard,
    language_for,
    parse_button,
    person_of,
    query_of,
    refuse_stale,
    rows_keyboard,
    say,
    settle,
)
from storage.models import PersonStatus

SETTINGS_STEPS = (Step.DAY, Step.HOUR, Step.QUIET, Step.TIMEZONE)


def markup_of(payload: dict[str, Any]) -> InlineKeyboardMarkup | None:
    """The inline keyboard of a rendered prompt."""
    return rows_keyboard(payload.get("buttons"))


async def _redraw(query: CallbackQuery, lang: str, prompt: Prompt) -> None:
    """The prompt message again, with what has been answered so far."""
    payload = render(lang, prompt)
    try:
        await query.edit_message_text(payload["text"], reply_markup=markup_of(payload))
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise


# --- /checkin ------------------------------------------------------------------------------


async def checkin(update: Update, context: PreceptorContext) -> None:
    """``/checkin``: the current check-in (to answer or look at), or one opened now."""
    person = await person_of(update, context)
    lang = language_for(update, context, person)
    if person is None:
        await say(update, t(lang, "start.first"))
        return
    try:
        prompt = await context.services.checkins.current(person.telegram_id)
    except CheckinRefused as refusal:
        await say(update, t(lang, f"checkins.refused.{refusal.reason}"))
        return
    if prompt is None:
        await say(update, t(lang, "checkins.none"))
        return
    payload = render(lang, prompt)
    await say(update, payload["text"], markup_of(payload))


async def _next_question(
    update: Update, context: PreceptorContext, person: PersonView, answer: PulseAnswer
) -> None:
    """After a pulse answer: the blocking question, the reach-out question, or thanks."""
    lang, checkin_id = person.language, answer.prompt.id
    if answer.ask_blocking:
        await expect(context, person.telegram_id, "checkin_blocking", checkin=checkin_id)
        choices = [
            (t(lang, "checkins.blocking.skip"), f"ck:b:{checkin_id}:s"),
            (t(lang, "checkins.blocking.wellbeing"), f"ck:b:{checkin_id}:w"),
        ]
        await say(update, t(lang, "checkins.blocking.ask"), keyboard(choices, columns=1))
    elif answer.ask_reach_out:
        choices = [
            (t(lang, "checkins.reach_out.yes"), f"ck:r:{checkin_id}:y"),
            (t(lang, "checkins.reach_out.no"), f"ck:r:{checkin_id}:n"),
        ]
        await say(update, t(lang, "checkins.reach_out.ask"), keyboard(choices))
    else:
        await say(update, t(lang, "checkins.thanks"))


@step("checkin_blocking")
async def on_blocking(
    update: Update, context: PreceptorContext, person: PersonView, data: dict[str, Any]
) -> None:
    """What is blocking them: typed, or a voice note."""
    lang = person.language
    message = update.effective_message
    voice = message.voice if message is not None else None
    text = message.text if message is not None else None
    if voice is None and text is None:
        await say(update, t(lang, "checkins.blocking.need_text"))
        return
    try:
        answer = await context.services.checkins.blocking(
            person.telegram_id,
            int(data.get("checkin") or 0),
            text=text if voice is None else None,
            voice_file_id=voice.file_id if voice is not None else None,
        )
    except InvalidInput as problem:
        await say(update, t(lang, f"invalid.{problem.reason}", **problem.params))
        return
    except CheckinRefused as refusal:
        await finish(context, person.telegram_id)
        await say(update, t(lang, f"checkins.refused.{refusal.reason}"))
        return
    await finish(context, person.telegram_id)
    await say(update, t(lang, "checkins.blocking.saved"))
    await _next_question(update, context, person, answer)


# --- buttons -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tap:
    """One parsed ``ck:`` button press by a known person."""

    update: Update
    context: PreceptorContext
    person: PersonView
    query: CallbackQuery
    args: list[str]

    @property
    def checkin_id(self) -> int:
        """The check-in the button belongs to (always the first field)."""
        return int(self.args[0])

    def choice(self, *allowed: str) -> str:
        """The last field, one of ``allowed``; anything else is a forged button."""
        if self.args[-1] not in allowed:
            raise CheckinRefused("not_yours")
        return self.args[-1]


Action = Callable[[Tap], Awaitable[None]]


async def _score(tap: Tap) -> None:
    services, lang = tap.context.services, tap.person.language
    answer = await services.checkins.score(
        tap.person.telegram_id, tap.checkin_id, int(tap.args[1])
    )
    services.outbox.notify()
    await tap.query.answer(t(lang, "checkins.score_saved", score=tap.args[1]))
    await _redraw(tap.query, lang, answer.prompt)
    await _next_question(tap.update, tap.context, tap.person, answer)


async def _blocking(tap: Tap) -> None:
    wellbeing = tap.choice("s", "w") == "w"
    services, user_id = tap.context.services, tap.person.telegram_id
    answer = await services.checkins.blocking(user_id, tap.checkin_id, wellbeing=wellbeing)
    await finish(tap.context, user_id)
    services.outbox.notify()
    key = "checkins.blocking.wellbeing_saved" if wellbeing else "checkins.blocking.skipped"
    await settle(tap.query, t(tap.person.language, key))
    await _next_question(tap.update, tap.context, tap.person, answer)


async def _reach_out(tap: Tap) -> None:
    yes = tap.choice("y", "n") == "y"
    services = tap.context.services
    await services.checkins.reach_out(tap.person.telegram_id, tap.checkin_id, yes)
    services.outbox.notify()
    key = "checkins.reach_out.told" if yes else "checkins.thanks"
    await settle(tap.query, t(tap.person.language, key))


async def _pair(tap: Tap) -> None:
    code = tap.choice(*PAIR_ANSWERS)
    services, lang = tap.context.services, tap.person.language
    prompt = await services.checkins.pair_answer(
        tap.person.telegram_id, tap.checkin_id, int(tap.args[1]), code
    )
    services.outbox.notify()
    key = "checkins.pair.help_sent" if code == "h" else "checkins.pair.thanks"
    await tap.query.answer(t(lang, key))
    await _redraw(tap.query, lang, prompt)


async def _seen(tap: Tap) -> None:
    checkins, lang = tap.context.services.checkins, tap.person.language
    await checkins.seen(tap.person.telegram_id, tap.checkin_id)
    await tap.query.answer(t(lang, "checkins.seen_done"))
    prompt = await checkins.current(tap.person.telegram_id)
    if prompt is not None and prompt.id == tap.checkin_id:
        await _redraw(tap.query, lang, prompt)
    else:
        await tap.query.edit_message_reply_markup(None)


# action -> (how many fields follow, how many of them must be numbers, what it does)
ACTIONS: dict[str, tuple[int, int, Action]] = {
    "s": (2, 2, _score),
    "b": (2, 1, _blocking),
    "r": (2, 1, _reach_out),
    "p": (3, 2, _pair),
    "v": (1, 1, _seen),
}


async def on_button(update: Update, context: PreceptorContext) -> None:
    """Every ``ck:`` button: parsed strictly, then handed to its action."""
    query, data = query_of(update)
    person = await person_of(update, context)
    lang = language_for(update, context, person)
    parsed = parse_button(data, "ck:", ACTIONS)
    if person is None or parsed is None:
        await refuse_stale(query, lang)
        return
    action, args = parsed
    try:
        await action(Tap(update, context, person, query, args))
    except CheckinRefused as refusal:
        await query.answer(t(lang, f"checkins.refused.{refusal.reason}"), show_alert=True)


# --- /settings -----------------------------------------------------------------------------


def _when(lang: str, moment: datetime, zone: str) -> str:
    local = moment.astimezone(ZoneInfo(zone))
    return f"{t(lang, f'day.{local.weekday()}')} {local:%d/%m %H:%M}"


async def settings(update: Update, context: PreceptorContext) -> None:
    """``/settings``: the check-in day, hour, quiet hours, timezone and pause, each one tap."""
    person = await person_of(update, context)
    lang = language_for(update, context, person)
    if person is None:
        await say(update, t(lang, "start.first"))
        return
    view = await context.services.checkins.settings_of(person.telegram_id)
    now = context.services.clock.now()
    steps = [s for s in SETTINGS_STEPS if s in person.steps]
    lines = [t(lang, "checkins.settings.title")]
    lines += [
        t(
            lang,
            "checkins.settings.line",
            label=t(lang, f"label.{s}"),
            value=value_label(lang, s, person, now),
        )
        for s in steps
    ]
    if view.paused:
        lines.append(t(lang, "checkins.settings.paused"))
    elif view.next_prompt is not None:
        lines.append(
            t(lang, "checkins.settings.next", when=_when(lang, view.next_prompt, view.zone))
        )
    choices = [(t(lang, f"label.{s}"), f"pf:{s}") for s in steps]
    choices.append(
        (t(lang, "checkins.settings.resume"), "st:resume")
        if view.paused
        else (t(lang, "checkins.settings.pause"), "st:pause")
    )
    await say(update, "\n".join(lines), keyboard(choices))


async def on_settings_button(update: Update, context: PreceptorContext) -> None:
    """*Pause* / *Resume* under ``/settings``."""
    query, data = query_of(update)
    person = await person_of(update, context)
    lang = language_for(update, context, person)
    if person is None or data not in ("st:pause", "st:resume"):
        await refuse_stale(query, lang)
        return
    paused = data == "st:pause"
    if (person.status == PersonStatus.PAUSED) == paused:
        await refuse_stale(query, lang)
        return
    await context.services.people.set_paused(person.telegram_id, paused)
    await settle(query, t(lang, "pause.on" if paused else "pause.off"))


def handlers() -> list[object]:
    """This module's handlers."""
    return [
        CommandHandler("checkin", checkin),
        CallbackQueryHandler(on_button, pattern=r"^ck:"),
        CommandHandler("settings", settings),
        CallbackQueryHandler(on_settings_button, pattern=r"^st:"),
    ]
