"""English messages for the question exchange (merged into the en catalog by ``bot.i18n``)."""

MESSAGES: dict[str, str] = {
    "cmd.ask": "Ask your mentor a question",
    "cmd.questions": "Your questions and answers",
    "qa.new_question": "❓ <b>Question from {name}</b>",
    "qa.pool_question": (
        "❓ <b>A question for mentors in {field}</b>\n<i>Asked anonymously by a trainee.</i>"
    ),
    "qa.answer_from": "💬 <b>Answer from {name}</b>",
    "qa.followup_from": "❓ <b>Follow-up from {name}</b>",
    "qa.reply": "↩️ Reply",
    "qa.later": "⏳ Answer later",
    "qa.take": "🙋 I'll answer this",
    "qa.pool_taken": "✅ A colleague has taken this question. Thank you!",
    "qa.reminder": (
        "⏰ {name} has been waiting more than {hours} h for your answer. "
        "A short reply helps a lot."
    ),
    "qa.looking_into_it": (
        "Your question has waited longer than expected, so I've told your programme "
        "coordinator, who will look into it. Your question is kept."
    ),
    "qa.unanswered_pool": (
        "⚠️ A question from {mentee} to the mentor pool has had no answer for {hours} h."
    ),
    "qa.unanswered_coordinator": (
        "⚠️ A question from {mentee} to {mentor} has had no answer for {hours} h."
    ),
    "qa.no_mentor": "You have no mentor yet, so there is nobody to send a question to.",
    "qa.no_mentor.choice": "Use /findmentor to choose one.",
    "qa.no_mentor.wait": "Your coordinator will pair you with a mentor; I'll introduce you.",
    "qa.pool_offer": "You can also ask every available mentor in your field, anonymously:",
    "qa.ask_pool_button": "👥 Ask the mentor pool",
    "qa.pick_mentor": "Whom would you like to ask?",
    "qa.write": (
        "✍️ Write your question for {name}: text, a voice note, a photo or a document "
        "(a caption is welcome). /cancel stops."
    ),
    "qa.write_pool": (
        "✍️ Write your question for the mentors of {programme}. They won't see your name. "
        "Text, a voice note, a photo or a document. /cancel stops."
    ),
    "qa.write_reply": (
        "✍️ Write your reply: text, a voice note, a photo or a document. /cancel stops."
    ),
    "qa.sent": "📨 Sent to {name}. I'll bring you the answer here.",
    "qa.sent_pool": "📨 Sent to {count} mentors. The first to take it will answer you here.",
    "qa.pool_empty": (
        "No mentor in your field is available right now, so I didn't send it. "
        "Ask your own mentor with /ask, or try again later."
    ),
    "qa.reply_sent": "📨 Sent.",
    "qa.later_done": (
        "⏳ Fine. It stays in /questions; I'll remind you if it waits more than {hours} h."
    ),
    "qa.taken": "✅ It's yours. Reply when you're ready.",
    "qa.unsupported": (
        "I can pass on text, voice notes, photos and documents. Please send one of those."
    ),
    "qa.empty": (
        "That message is empty. Write your question in words, or send a voice note, "
        "a photo or a document."
    ),
    "qa.media_warning": (
        "🔒 Before this goes out: make sure it shows nothing that identifies a patient "
        "(name, face, record number, date of birth). If it does, send a new one instead; "
        "otherwise tap <b>Send it</b>."
    ),
    "qa.media_send": "✅ Send it",
    "qa.media_cancel": "✖️ Don't send",
    "qa.media_cancelled": "Not sent. Nothing left this chat.",
    "qa.list_title": "<b>Your questions</b> (newest first)",
    "qa.list_empty": "No questions yet. /ask sends one to your mentor.",
    "qa.list_line": "{status} {day} · {who}\n   {preview}",
    "qa.status.open": "🟡 waiting",
    "qa.status.answered": "🟢 answered",
    "qa.status.closed": "⚪ closed",
    "qa.who.asked": "you asked {name}",
    "qa.who.asked_pool": "you asked the mentor pool",
    "qa.who.from": "from {name}",
    "qa.who.from_pool": "pool question",
    "qa.refused.not_yours": "That question isn't one of yours.",
    "qa.refused.closed": "This conversation has ended: the pairing is over.",
    "qa.refused.taken": "A colleague has already taken this question. Thank you!",
    "qa.refused.yours": "You have already taken this question.",
    "qa.refused.not_member": "You are not a mentee in that programme.",
    "outbox.undeliverable": (
        "⚠️ Your message to {name} could not be delivered: they can't receive messages from "
        "me right now. The coordinator has been told."
    ),
}
