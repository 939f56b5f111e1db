"""``/ask``, ``/questions`` and the buttons of the question exchange.

Flow: ``/ask`` → the mentor to ask (a button each when there are several; with none, what to
do, and the anonymous mentor pool when it is open) → the next message is the question: text,
a voice note, a photo or a document → a photo or document first gets the patient-privacy
reminder, once per question and side (*Send it* / *Don't send*, or simply send a new one) →
the mentor gets it with *Reply* / *Answer later*. *Reply* (``qa:r:<id>``) on either side makes
the next message go back in the same thread; a Telegram reply to a relayed message does the
same without the button. ``qa:p:<programme>`` asks the pool; a mentor's ``qa:k:<id>`` takes a
pool question. ``/questions`` lists the person's questions, newest first, with their status.

Every id in a button is checked by the service against the person pressing it.
"""

from __future__ import annotations

from typing import Any

from telegram import Message, Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.context import PreceptorContext
from bot.i18n import Safe, t
from bot.services.people import PersonView
from bot.services.questions import (
    MEDIA_KINDS,
    Content,
    QuestionRefused,
    mentor_buttons,
    question_of_ref,
)
from handlers import compose
from handlers.ui import (
    Choice,
    is_id,
    keyboard,
    language_for,
    person_of,
    query_of,
    say,
    settle,
    user_of,
)

Target = dict[str, Any]  # {"to": "pair" | "pool" | "thread", "id": int, "name": str}


def content_of(message: Message) -> Content | str:
    """What the person sent as question content, or why it cannot be passed on.

    U+0000 is dropped: it carries nothing, and PostgreSQL cannot store it.
    """
    caption = message.caption.replace("\x00", "") if message.caption else message.caption
    if message.text is not None:
        text = message.text.replace("\x00", "")
        return Content("text", text) if text.strip() else "qa.empty"
    if message.voice is not None:
        return Content("voice", caption, message.voice.file_id)
    if message.photo:
        return Content("photo", caption, message.photo[-1].file_id)
    if message.document is not None:
        return Content("document", caption, message.document.file_id)
    return "qa.unsupported"


async def ask(update: Update, context: PreceptorContext) -> None:
    """``/ask``: whom to ask, or straight to writing when there is one mentor."""
    person = await person_of(update, context)
    lang = language_for(update, context, person)
    if person is None:
        await say(update, t(lang, "start.first"))
        return
    asking = await context.services.questions.asking(person.telegram_id)
    pool = [(t(lang, "qa.ask_pool_button") + _suffix(asking.pool_programmes, name), f"qa:p:{pid}")
            for pid, name in asking.pool_programmes]  # fmt: skip
    if not asking.targets:
        hint = "qa.no_mentor.choice" if asking.choice_mode else "qa.no_mentor.wait"
        text = t(lang, "qa.no_mentor") + "\n" + t(lang, hint)
        if pool:
            text += "\n\n" + t(lang, "qa.pool_offer")
        await say(update, text, keyboard(pool, columns=1) if pool else None)
        return
    if len(asking.targets) == 1:
        target = asking.targets[0]
        wanted = {"to": "pair", "id": target.pairing_id, "name": target.mentor_name}
        await compose.expect(context, person.telegram_id, "qa_write", target=wanted)
        await say(update, t(lang, "qa.write", name=target.mentor_name))
        return
    choices: list[Choice] = [(m.mentor_name, f"qa:t:{m.pairing_id}") for m in asking.targets]
    await say(update, t(lang, "qa.pick_mentor"), keyboard(choices + pool, columns=1))


def _suffix(programmes: tuple[tuple[int, str], ...], name: str) -> str:
    return f" ({name})" if len(programmes) > 1 else ""


async def list_questions(update: Update, context: PreceptorContext) -> None:
    """``/questions``: this person's questions, asked or to answer, newest first."""
    person = await person_of(update, context)
    lang = language_for(update, context, person)
    if person is None:
        await say(update, t(lang, "start.first"))
        return
    views = await context.services.questions.of_person(person.telegram_id)
    if not views:
        await say(update, t(lang, "qa.list_empty"))
        return
    lines = [t(lang, "qa.list_title")]
    for view in views:
        if view.side == "mentee":
            who = t(lang, "qa.who.asked", name=view.other_name) if view.other_name else ""
            who = who or t(lang, "qa.who.asked_pool")
        else:
            who = t(lang, "qa.who.from", name=view.other_name) if view.other_name else ""
            who = who or t(lang, "qa.who.from_pool")
        lines.append(
            t(
                lang,
                "qa.list_line",
                status=Safe(t(lang, f"qa.status.{view.status.value}")),
                day=view.created_at.date().isoformat(),
                who=Safe(who),
                preview=view.preview,
            )
        )
    await say(update, "\n\n".join(lines))


@compose.step("qa_write")
async def on_write(
    update: Update, context: PreceptorContext, person: PersonView, data: dict[str, Any]
) -> None:
    """The question or reply itself."""
    await _take(update, context, person, data["target"], warned=bool(data.get("warned")))


@compose.step("qa_media")
async def on_new_media(
    update: Update, context: PreceptorContext, person: PersonView, data: dict[str, Any]
) -> None:
    """A new message instead of the held photo or document: they have seen the reminder."""
    await _take(update, context, person, data["target"], warned=True)


@compose.reply_hook
async def on_telegram_reply(update: Update, context: PreceptorContext, person: PersonView) -> bool:
    """A Telegram reply to a question or answer we relayed continues that thread."""
    message = update.effective_message
    replied = message.reply_to_message if message else None
    if replied is None or replied.from_user is None or not replied.from_user.is_bot:
        return False
    ref = await context.services.outbox.ref_of(person.telegram_id, replied.id)
    question_id = question_of_ref(ref)
    if question_id is None:
        return False
    await _take(update, context, person, {"to": "thread", "id": question_id}, warned=False)
    return True


async def _take(
    update: Update,
    context: PreceptorContext,
    person: PersonView,
    target: Target,
    *,
    warned: bool,
) -> None:
    """Validate what was sent; remind about patient details once; deliver it."""
    lang = person.language
    message = update.effective_message
    assert message is not None
    content = content_of(message)
    if isinstance(content, str):
        await say(update, t(lang, content))  # the step keeps waiting
        return
    if (
        content.kind in MEDIA_KINDS
        and not warned
        and not await _seen_reminder(context, person, target)
    ):
        await compose.expect(
            context, person.telegram_id, "qa_media", target=target, content=content.as_json()
        )
        buttons = [(t(lang, "qa.media_send"), "qa:s"), (t(lang, "qa.media_cancel"), "qa:x")]
        await say(update, t(lang, "qa.media_warning"), keyboard(buttons))
        return
    await say(update, await _deliver(context, person, target, content, warned=warned))


async def _seen_reminder(context: PreceptorContext, person: PersonView, target: Target) -> bool:
    """Whether this side of an existing thread already had the patient-privacy reminder."""
    if target["to"] != "thread":
        return False
    return await context.services.questions.warned(person.telegram_id, target["id"])


async def _deliver(
    context: PreceptorContext,
    person: PersonView,
    target: Target,
    content: Content,
    *,
    warned: bool,
) -> str:
    """Hand ``content`` to the service; the confirmation (or refusal) to show the person.

    The compose step ends in the same transaction that stores the message, so a failure
    keeps the step (the person can send again) and a success never leaves it behind.
    """
    lang = person.language
    questions = context.services.questions
    user_id = person.telegram_id
    done = compose.finishing(context, user_id)
    try:
        if target["to"] == "pair":
            await questions.ask(user_id, target["id"], content, warned=warned, also=done)
            text = t(lang, "qa.sent", name=target["name"])
        elif target["to"] == "pool":
            _, count = await questions.ask_pool(
                user_id, target["id"], content, warned=warned, also=done
            )
            text = t(lang, "qa.sent_pool", count=count) if count else t(lang, "qa.pool_empty")
        else:
            await questions.reply(user_id, target["id"], content, warned=warned, also=done)
            text = t(lang, "qa.reply_sent")
    except QuestionRefused as refusal:
        await compose.finish(context, user_id)  # that target is gone: nothing to wait for
        return t(lang, f"qa.refused.{refusal.reason}")
    context.services.outbox.notify()
    return text


async def on_button(update: Update, context: PreceptorContext) -> None:
    """Every ``qa:`` button: pick, pool, reply, later, take, send / don't send."""
    query, data = query_of(update)
    person = await person_of(update, context)
    lang = language_for(update, context, person)
    parts = data.split(":")
    action, number = parts[1] if len(parts) > 1 else "", parts[2] if len(parts) > 2 else ""
    if person is None or (number and not is_id(number)):
        await query.answer(t(lang, "stale_button"), show_alert=True)
        return
    questions = context.services.questions
    user_id = user_of(update).id
    try:
        match action, number:
            case "t", str(n) if n:
                asking = await questions.asking(user_id)
                found = [m for m in asking.targets if m.pairing_id == int(n)]
                if not found:
                    raise QuestionRefused("not_yours")
                target = {"to": "pair", "id": found[0].pairing_id, "name": found[0].mentor_name}
                await compose.expect(context, user_id, "qa_write", target=target)
                await settle(query, t(lang, "qa.write", name=found[0].mentor_name))
            case "p", str(n) if n:
                asking = await questions.asking(user_id)
                names = dict(asking.pool_programmes)
                if int(n) not in names:
                    raise QuestionRefused("not_member")
                target = {"to": "pool", "id": int(n), "name": names[int(n)]}
                await compose.expect(context, user_id, "qa_write", target=target)
                await settle(query, t(lang, "qa.write_pool", programme=names[int(n)]))
            case "r", str(n) if n:
                await questions.check_open(user_id, int(n))
                await compose.expect(
                    context, user_id, "qa_write", target={"to": "thread", "id": int(n)}
                )
                await query.answer()
                await say(update, t(lang, "qa.write_reply"))
            case "l", str(n) if n:
                view = await questions.later(user_id, int(n))
                await query.answer(
                    t(lang, "qa.later_done", hours=view.answer_hours), show_alert=True
                )
            case "k", str(n) if n:
                await questions.take(user_id, int(n))
                context.services.outbox.notify()
                await query.answer()
                buttons = mentor_buttons(lang, int(n))[0]
                choices = [(b["text"], b["callback_data"]) for b in buttons]
                await query.edit_message_reply_markup(keyboard(choices))
                await say(update, t(lang, "qa.taken"))
            case "s", "":
                await _send_held(update, context, person)
            case "x", "":
                await compose.finish(context, user_id)
                await settle(query, t(lang, "qa.media_cancelled"))
            case _:
                await query.answer(t(lang, "stale_button"), show_alert=True)
    except QuestionRefused as refusal:
        await query.answer(t(lang, f"qa.refused.{refusal.reason}"), show_alert=True)


async def _send_held(update: Update, context: PreceptorContext, person: PersonView) -> None:
    """*Send it* after the patient-privacy reminder: deliver the held photo or document."""
    query, _ = query_of(update)
    held = await compose.expected(context, person.telegram_id)
    if held is None or held["kind"] != "qa_media":
        await query.answer(t(person.language, "stale_button"), show_alert=True)
        return
    content = Content.from_json(held["content"])
    await settle(query, await _deliver(context, person, held["target"], content, warned=True))


def handlers() -> list[object]:
    """This module's handlers."""
    return [
        CommandHandler("ask", ask),
        CommandHandler("questions", list_questions),
        CallbackQueryHandler(on_button, pattern=r"^qa:"),
    ]
