"""Spanish messages for the gratitude feature (merged into the es catalog by ``bot.i18n``)."""

MESSAGES: dict[str, str] = {
    "cmd.thanks": "Enviar una nota de agradecimiento a tu mentor/a o mentorado/a",
    "cmd.gratitude": "Leer las notas de agradecimiento que recibiste",
    "gratitude.none.mentee": (
        "Aún no tienes mentor/a a quien agradecer. Cuando te asignen (/mymentor lo muestra; en "
        "algunos programas eliges con /findmentor), /thanks le envía una nota."
    ),
    "gratitude.none.mentor": (
        "Aún no tienes mentorados/as a quienes agradecer. Cuando te asignen (/mymentees los "
        "lista), /thanks les envía una nota."
    ),
    "gratitude.pick": "💌 ¿A quién quieres agradecer?",
    "gratitude.choice": "{name} ({programme})",
    "gratitude.ask": (
        "💌 Escribe tu nota de agradecimiento para <b>{name}</b> en un solo mensaje (hasta "
        "1000 caracteres). /cancel la detiene."
    ),
    "gratitude.invalid.empty": (
        "La nota está vacía. Escribe unas palabras de agradecimiento (hasta 1000 caracteres), "
        "o /cancel."
    ),
    "gratitude.invalid.too_long": (
        "La nota es demasiado larga: como máximo {maximum} caracteres (enviaste {length}). "
        "Acórtala y envíala de nuevo, o /cancel."
    ),
    "gratitude.text_only": (
        "Una nota de agradecimiento es solo texto: escríbela, por favor (las notas de voz, "
        "fotos y archivos no se pueden enviar como nota). O /cancel."
    ),
    "gratitude.sent": "✅ Tu nota de agradecimiento va en camino a <b>{name}</b>.",
    "gratitude.refused": (
        "Esa pareja ya no está activa, así que no se envió nada. /thanks muestra a quién "
        "puedes agradecer ahora."
    ),
    "gratitude.card": (
        "💌 <b>Una nota de agradecimiento de {name}</b>\n\n{text}\n\n"
        "<i>/gratitude muestra todas tus notas.</i>"
    ),
    "gratitude.inbox.empty": (
        "Aún no tienes notas de agradecimiento. Cuando tu mentor/a o un/a mentorado/a te "
        "envíe una, llegará aquí y /gratitude la guardará."
    ),
    "gratitude.inbox.all": "💌 <b>Notas de agradecimiento recibidas: {total}</b>",
    "gratitude.inbox.some": (
        "💌 <b>Notas de agradecimiento recibidas: {total}</b> (las {shown} más recientes)"
    ),
    "gratitude.inbox.line": "<b>{day} · {name}</b> ({programme})\n{text}",
}
