"""English messages for the gratitude feature (merged into the en catalog by ``bot.i18n``)."""

MESSAGES: dict[str, str] = {
    "cmd.thanks": "Send a thank-you note to your mentor or mentee",
    "cmd.gratitude": "Read the thank-you notes you received",
    "gratitude.none.mentee": (
        "You have no mentor to thank yet. Once you are paired (/mymentor shows it; in some "
        "programmes you choose with /findmentor), /thanks sends them a note."
    ),
    "gratitude.none.mentor": (
        "You have no mentee to thank yet. Once you are paired (/mymentees lists them), "
        "/thanks sends them a note."
    ),
    "gratitude.pick": "💌 Whom would you like to thank?",
    "gratitude.choice": "{name} ({programme})",
    "gratitude.ask": (
        "💌 Write your thank-you note to <b>{name}</b> in one message (up to 1000 characters). "
        "/cancel stops."
    ),
    "gratitude.invalid.empty": (
        "That note is empty. Please type a few words of thanks (up to 1000 characters), or "
        "/cancel."
    ),
    "gratitude.invalid.too_long": (
        "That note is too long: at most {maximum} characters (you sent {length}). Please "
        "shorten it and send it again, or /cancel."
    ),
    "gratitude.text_only": (
        "A thank-you note is text only: please type it (voice notes, photos and files cannot "
        "be sent as a note). Or /cancel."
    ),
    "gratitude.sent": "✅ Your thank-you note is on its way to <b>{name}</b>.",
    "gratitude.refused": (
        "That pair is not active any more, so nothing was sent. /thanks shows whom you can "
        "thank now."
    ),
    "gratitude.card": (
        "💌 <b>A thank-you note from {name}</b>\n\n{text}\n\n"
        "<i>/gratitude shows all your notes.</i>"
    ),
    "gratitude.inbox.empty": (
        "No thank-you notes yet. When your mentor or a mentee sends you one, it arrives here "
        "and /gratitude keeps it."
    ),
    "gratitude.inbox.all": "💌 <b>Thank-you notes you received: {total}</b>",
    "gratitude.inbox.some": (
        "💌 <b>Thank-you notes you received: {total}</b> (the newest {shown})"
    ),
    "gratitude.inbox.line": "<b>{day} · {name}</b> ({programme})\n{text}",
}
