"""``/goals``: a mentee's SMART goals, and their mentor's view of them.

Flow for a mentee: ``/goals`` lists their goals (active first, with progress and due date) with
one button per active goal and *New goal*; with no goal yet it starts the conversation at once.
Setting a goal is four free-text steps through ``handlers.compose`` — what, how they will know
it is done, by when (a date, explained and asked again until it is one we accept), the first
step — then a summary. What was typed lives in the compose draft in the database, so a restart
mid-goal loses nothing. A goal's card offers 25/50/75/100 %, *Add a note*, *Done* and *Drop*
(confirmed first); 100 % or *Done* finishes it and the mentor is told.

Flow for a mentor: ``/goals`` shows their mentee's goals (a choice first when they have
several), with one *comment* button per goal; the comment reaches the mentee via the outbox.

Callback data (``gl:`` prefix): ``new``; ``v:<goal>`` open; ``p:<goal>:<percent>``; ``n:<goal>``
note; ``d:<goal>`` done; ``x:<goal>`` drop?; ``xy:<goal>`` / ``xn:<goal>`` drop or keep;
``m:<mentee person id>`` (0: choose); ``c:<goal>`` comment. Every id is checked against the
person by ``GoalService``; forged ones are refused and change nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from telegram import CallbackQuery, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.context import PreceptorContext
from bot.i18n import Safe, t
from bot.services.goals import (
    GOAL_TEXT_MAX,
    NOTE_MAX,
    PROGRESS_STEPS,
    GoalRefused,
    GoalView,
    InvalidDueDate,
    MentorGoals,
    format_day,
)
from bot.services.people import PersonView
from bot.services.profile import InvalidInput, clean_text
from handlers.compose import expect, finish, step
from handlers.ui import (
    Choice,
    keyboard,
    language_for,
    parse_button,
    person_of,
    query_of,
    refuse_stale,
    say,
    settle,
    stack,
)
from storage.models import GoalStatus, Role

QUESTIONS = ("what", "measure", "due", "first_step")  # the SMART conversation, in order
LABEL_MAX = 30  # characters of a goal shown on a button
NOTE_SHOWN = 200  # characters of the latest note shown in a list


def _short(text: str, limit: int = LABEL_MAX) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _typed(update: Update, maximum: int) -> str:
    """The typed text of the message, cleaned.

    Raises:
        InvalidInput: ``need_text`` for a photo, voice note…; else ``clean_text``'s reasons.
    """
    message = update.effective_message
    text = message.text if message is not None else None
    if text is None:
        raise InvalidInput("need_text")
    return clean_text(text, maximum=maximum)


def _problem(lang: str, problem: InvalidInput) -> str:
    return t(lang, f"invalid.{problem.reason}", **problem.params)


# --- rendering --------------------------------------------------------------------------


def _card(lang: str, goal: GoalView) -> str:
    values = {"what": goal.what, "measure": goal.measure, "first_step": goal.first_step}
    text = t(lang, "goals.card", due=format_day(goal.due_on), progress=goal.progress, **values)
    if goal.last_note:
        text += "\n" + t(lang, "goals.card.note", note=goal.last_note)
    return text


def _lines(lang: str, goals: tuple[GoalView, ...]) -> str:
    lines = []
    for goal in goals:
        if goal.status == GoalStatus.ACTIVE:
            due = format_day(goal.due_on)
            lines.append(
                t(lang, "goals.line.active", what=goal.what, progress=goal.progress, due=due)
            )
        else:
            lines.append(t(lang, "goals.line.done", what=goal.what))
        if goal.last_note:
            lines.append(
                "   " + t(lang, "goals.card.note", note=_short(goal.last_note, NOTE_SHOWN))
            )
    return "\n".join(lines)


def _card_keyboard(lang: str, goal_id: int) -> InlineKeyboardMarkup:
    percents = [
        (t(lang, "goals.progress_button", progress=p), f"gl:p:{goal_id}:{p}")
        for p in PROGRESS_STEPS
    ]
    actions = [
        (t(lang, "goals.note"), f"gl:n:{goal_id}"),
        (t(lang, "goals.done"), f"gl:d:{goal_id}"),
        (t(lang, "goals.drop"), f"gl:x:{goal_id}"),
    ]
    return stack(keyboard(percents, columns=4), keyboard(actions, columns=3))


async def _mentee_list(update: Update, context: PreceptorContext, person: PersonView) -> None:
    lang = person.language
    goals = await context.services.goals.mine(person.telegram_id)
    if not goals:
        await _begin(update, context, person)
        return
    choices: list[Choice] = [
        (f"{n}. {_short(g.what)}", f"gl:v:{g.id}")
        for n, g in enumerate(goals, start=1)
        if g.status == GoalStatus.ACTIVE
    ]
    choices.append((t(lang, "goals.new"), "gl:new"))
    if Role.MENTOR in person.roles:
        choices.append((t(lang, "goals.mentees"), "gl:m:0"))
    text = t(lang, "goals.mine.title") + "\n" + _lines(lang, goals)
    await say(update, text, keyboard(choices, columns=1))


async def _mentor_view(update: Update, lang: str, view: MentorGoals) -> None:
    if not view.mentees:
        await say(update, t(lang, "goals.mentor.none"))
        return
    chosen = view.chosen
    if chosen is None:
        choices = [(name, f"gl:m:{mentee_id}") for mentee_id, name in view.mentees]
        await say(update, t(lang, "goals.mentor.pick"), keyboard(choices, columns=1))
        return
    if not chosen.goals:
        await say(update, t(lang, "goals.mentor.empty", name=chosen.mentee_name))
        return
    text = (
        t(lang, "goals.mentor.title", name=chosen.mentee_name) + "\n" + _lines(lang, chosen.goals)
    )
    choices = [
        (t(lang, "goals.comment_button", what=_short(g.what)), f"gl:c:{g.id}")
        for g in chosen.goals
    ]
    await say(update, text, keyboard(choices, columns=1))


# --- /goals and the SMART conversation --------------------------------------------------


async def goals(update: Update, context: PreceptorContext) -> None:
    """``/goals``: a mentee's goals (or a new one), a mentor's view of their mentees' goals."""
    person = await person_of(update, context)
    lang = language_for(update, context, person)
    if person is None:
        await say(update, t(lang, "start.first"))
    elif Role.MENTEE in person.roles:
        await _mentee_list(update, context, person)
    elif Role.MENTOR in person.roles:
        await _mentor_view(
            update, lang, await context.services.goals.for_mentor(person.telegram_id)
        )
    else:
        await say(update, t(lang, "goals.not_for_you"))


async def _begin(update: Update, context: PreceptorContext, person: PersonView) -> None:
    lang = person.language
    await expect(context, person.telegram_id, "goal_what")
    await say(update, t(lang, "goals.intro") + "\n\n" + t(lang, "goals.ask.what"))


async def _next(
    update: Update,
    context: PreceptorContext,
    person: PersonView,
    draft: dict[str, Any],
    field: str,
) -> None:
    """Ask the question after ``field``, keeping everything typed so far in the draft."""
    following = QUESTIONS[QUESTIONS.index(field) + 1]
    await expect(context, person.telegram_id, f"goal_{following}", **draft)
    await say(update, t(person.language, f"goals.ask.{following}"))


def _typed_so_far(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k in QUESTIONS}


@step("goal_what")
@step("goal_measure")
async def on_goal_text(
    update: Update, context: PreceptorContext, person: PersonView, data: dict[str, Any]
) -> None:
    """What the goal is, or how its mentee will know it is done."""
    field = str(data["kind"]).removeprefix("goal_")
    try:
        value = _typed(update, GOAL_TEXT_MAX)
    except InvalidInput as problem:
        lang = person.language
        await say(update, _problem(lang, problem) + "\n\n" + t(lang, f"goals.ask.{field}"))
        return
    await _next(update, context, person, {**_typed_so_far(data), field: value}, field)


@step("goal_due")
async def on_due(
    update: Update, context: PreceptorContext, person: PersonView, data: dict[str, Any]
) -> None:
    """By when: a real date, after today and within two years, in the person's timezone."""
    message = update.effective_message
    text = message.text if message is not None else None
    answer = await context.services.goals.read_due_date(person.telegram_id, text or "")
    if answer.due_on is None:
        range_ = {"earliest": format_day(answer.earliest), "latest": format_day(answer.latest)}
        await say(update, t(person.language, f"goals.date.{answer.problem}", **range_))
        return
    draft = {**_typed_so_far(data), "due": answer.due_on.isoformat()}
    await _next(update, context, person, draft, "due")


@step("goal_first_step")
async def on_first_step(
    update: Update, context: PreceptorContext, person: PersonView, data: dict[str, Any]
) -> None:
    """The first step: the goal is stored and summed up."""
    lang = person.language
    try:
        first_step = _typed(update, GOAL_TEXT_MAX)
        goal = await context.services.goals.create(
            person.telegram_id,
            what=str(data["what"]),
            measure=str(data["measure"]),
            due_on=date.fromisoformat(str(data["due"])),
            first_step=first_step,
        )
    except InvalidInput as problem:
        await say(update, _problem(lang, problem) + "\n\n" + t(lang, "goals.ask.first_step"))
        return
    except InvalidDueDate:  # the day changed since the date was typed: ask it again
        await expect(context, person.telegram_id, "goal_due", **_typed_so_far(data))
        await say(update, t(lang, "goals.ask.due"))
        return
    except GoalRefused as refusal:
        await finish(context, person.telegram_id)
        await say(update, t(lang, f"goals.refused.{refusal.reason}"))
        return
    await finish(context, person.telegram_id)
    context.services.outbox.notify()
    await say(update, t(lang, "goals.created", card=Safe(_card(lang, goal))))


@step("goal_note")
@step("goal_comment")
async def on_note(
    update: Update, context: PreceptorContext, person: PersonView, data: dict[str, Any]
) -> None:
    """A mentee's note on their goal, or a mentor's comment on their mentee's goal."""
    lang = person.language
    goal_id = int(data.get("goal") or 0)
    service = context.services.goals
    try:
        text = _typed(update, NOTE_MAX)
        if data["kind"] == "goal_note":
            await service.add_note(person.telegram_id, goal_id, text)
            done = t(lang, "goals.note_saved")
        else:
            target = await service.comment(person.telegram_id, goal_id, text)
            done = t(lang, "goals.comment_sent", name=target.mentee_name)
    except InvalidInput as problem:
        await say(update, _problem(lang, problem))
        return
    except GoalRefused as refusal:
        done = t(lang, f"goals.refused.{refusal.reason}")
    await finish(context, person.telegram_id)
    context.services.outbox.notify()
    await say(update, done)


# --- buttons ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Tap:
    """One parsed ``gl:`` button press by a known person."""

    update: Update
    context: PreceptorContext
    person: PersonView
    query: CallbackQuery
    ids: list[int]

    @property
    def lang(self) -> str:
        """The person's language."""
        return self.person.language

    @property
    def user_id(self) -> int:
        """The person's Telegram id."""
        return self.person.telegram_id


Action = Callable[[Tap], Awaitable[None]]


async def _new(tap: Tap) -> None:
    if Role.MENTEE not in tap.person.roles:
        raise GoalRefused("not_mentee")
    await tap.query.answer()
    await _begin(tap.update, tap.context, tap.person)


async def _open(tap: Tap) -> None:
    goal = await tap.context.services.goals.goal(tap.user_id, tap.ids[0])
    await tap.query.answer()
    markup = _card_keyboard(tap.lang, goal.id) if goal.status == GoalStatus.ACTIVE else None
    await say(tap.update, _card(tap.lang, goal), markup)


async def _progress(tap: Tap) -> None:
    goals = tap.context.services.goals
    if len(tap.ids) == 2:
        goal = await goals.set_progress(tap.user_id, tap.ids[0], tap.ids[1])
    else:
        goal = await goals.mark_done(tap.user_id, tap.ids[0])
    tap.context.services.outbox.notify()
    if goal.status == GoalStatus.DONE:
        await settle(tap.query, t(tap.lang, "goals.done_saved", what=goal.what))
    else:
        text = t(tap.lang, "goals.progress_saved", what=goal.what, progress=goal.progress)
        await settle(tap.query, text)


async def _active_goal(tap: Tap) -> GoalView:
    goal = await tap.context.services.goals.goal(tap.user_id, tap.ids[0])
    if goal.status != GoalStatus.ACTIVE:
        raise GoalRefused("closed")
    return goal


async def _ask_note(tap: Tap) -> None:
    goal = await _active_goal(tap)
    await expect(tap.context, tap.user_id, "goal_note", goal=goal.id)
    await tap.query.answer()
    await say(tap.update, t(tap.lang, "goals.ask.note", what=goal.what))


async def _ask_drop(tap: Tap) -> None:
    goal = await _active_goal(tap)
    choices = [
        (t(tap.lang, "goals.drop.yes"), f"gl:xy:{goal.id}"),
        (t(tap.lang, "goals.drop.no"), f"gl:xn:{goal.id}"),
    ]
    await tap.query.answer()
    await say(tap.update, t(tap.lang, "goals.drop.confirm", what=goal.what), keyboard(choices))


async def _drop(tap: Tap) -> None:
    goal = await tap.context.services.goals.drop(tap.user_id, tap.ids[0])
    await settle(tap.query, t(tap.lang, "goals.dropped", what=goal.what))


async def _keep(tap: Tap) -> None:
    await settle(tap.query, t(tap.lang, "goals.kept"))


async def _mentee_goals(tap: Tap) -> None:
    view = await tap.context.services.goals.for_mentor(tap.user_id, tap.ids[0] or None)
    await tap.query.answer()
    await _mentor_view(tap.update, tap.lang, view)


async def _ask_comment(tap: Tap) -> None:
    target = await tap.context.services.goals.comment_target(tap.user_id, tap.ids[0])
    await expect(tap.context, tap.user_id, "goal_comment", goal=target.goal_id)
    await tap.query.answer()
    text = t(tap.lang, "goals.ask.comment", name=target.mentee_name, what=target.what)
    await say(tap.update, text)


# action -> (how many fields follow, how many of them are ids (all), what it does)
ACTIONS: dict[str, tuple[int, int, Action]] = {
    "new": (0, 0, _new),
    "v": (1, 1, _open),
    "p": (2, 2, _progress),
    "d": (1, 1, _progress),
    "n": (1, 1, _ask_note),
    "x": (1, 1, _ask_drop),
    "xy": (1, 1, _drop),
    "xn": (1, 1, _keep),
    "m": (1, 1, _mentee_goals),
    "c": (1, 1, _ask_comment),
}


async def on_button(update: Update, context: PreceptorContext) -> None:
    """Every ``gl:`` button: parsed strictly, then handed to its action."""
    query, data = query_of(update)
    person = await person_of(update, context)
    lang = language_for(update, context, person)
    parsed = parse_button(data, "gl:", ACTIONS)
    if person is None or parsed is None:
        await refuse_stale(query, lang)
        return
    action, numbers = parsed
    try:
        await action(Tap(update, context, person, query, [int(n) for n in numbers]))
    except GoalRefused as refusal:
        await query.answer(t(lang, f"goals.refused.{refusal.reason}"), show_alert=True)


def handlers() -> list[object]:
    """This module's handlers."""
    return [
        CommandHandler("goals", goals),
        CallbackQueryHandler(on_button, pattern=r"^gl:"),
    ]
