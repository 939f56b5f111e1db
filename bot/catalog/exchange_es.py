"""Spanish messages for the question exchange (merged into the es catalog by ``bot.i18n``)."""

MESSAGES: dict[str, str] = {
    "cmd.ask": "Hacer una pregunta a tu mentor",
    "cmd.questions": "Tus preguntas y respuestas",
    "qa.new_question": "❓ <b>Pregunta de {name}</b>",
    "qa.pool_question": (
        "❓ <b>Una pregunta para mentores de {field}</b>\n"
        "<i>Enviada de forma anónima por una persona en formación.</i>"
    ),
    "qa.answer_from": "💬 <b>Respuesta de {name}</b>",
    "qa.followup_from": "❓ <b>Nueva pregunta de {name}</b>",
    "qa.reply": "↩️ Responder",
    "qa.later": "⏳ Responder luego",
    "qa.take": "🙋 La respondo yo",
    "qa.pool_taken": "✅ Otra persona del equipo ya tomó esta pregunta. ¡Gracias!",
    "qa.reminder": (
        "⏰ {name} lleva más de {hours} h esperando tu respuesta. Una respuesta breve ayuda mucho."
    ),
    "qa.looking_into_it": (
        "Tu pregunta ha esperado más de lo previsto, así que avisé a la coordinación del "
        "programa, que lo revisará. Tu pregunta se conserva."
    ),
    "qa.unanswered_pool": (
        "⚠️ Una pregunta de {mentee} al grupo de mentores lleva {hours} h sin respuesta."
    ),
    "qa.unanswered_coordinator": (
        "⚠️ Una pregunta de {mentee} a {mentor} lleva {hours} h sin respuesta."
    ),
    "qa.no_mentor": "Aún no tienes mentor, así que no hay a quién enviar la pregunta.",
    "qa.no_mentor.choice": "Usa /findmentor para elegir uno.",
    "qa.no_mentor.wait": "La coordinación te asignará un mentor; yo os presentaré.",
    "qa.pool_offer": "También puedes preguntar, de forma anónima, a los mentores de tu área:",
    "qa.ask_pool_button": "👥 Preguntar al grupo de mentores",
    "qa.pick_mentor": "¿A quién quieres preguntar?",
    "qa.write": (
        "✍️ Escribe tu pregunta para {name}: texto, una nota de voz, una foto o un documento "
        "(con un comentario si quieres). /cancel para parar."
    ),
    "qa.write_pool": (
        "✍️ Escribe tu pregunta para los mentores de {programme}. No verán tu nombre. "
        "Texto, nota de voz, foto o documento. /cancel para parar."
    ),
    "qa.write_reply": (
        "✍️ Escribe tu respuesta: texto, una nota de voz, una foto o un documento. "
        "/cancel para parar."
    ),
    "qa.sent": "📨 Enviada a {name}. Te traeré la respuesta aquí.",
    "qa.sent_pool": "📨 Enviada a {count} mentores. Quien la tome te responderá aquí.",
    "qa.pool_empty": (
        "Ahora no hay mentores disponibles en tu área, así que no la envié. "
        "Pregunta a tu mentor con /ask o inténtalo más tarde."
    ),
    "qa.reply_sent": "📨 Enviado.",
    "qa.later_done": (
        "⏳ De acuerdo. Queda en /questions; te lo recordaré si espera más de {hours} h."
    ),
    "qa.taken": "✅ Es tuya. Responde cuando puedas.",
    "qa.unsupported": (
        "Puedo transmitir texto, notas de voz, fotos y documentos. Envía uno de ellos, por favor."
    ),
    "qa.empty": (
        "Ese mensaje está vacío. Escribe tu pregunta con palabras o envía una nota de voz, "
        "una foto o un documento."
    ),
    "qa.media_warning": (
        "🔒 Antes de enviarlo: comprueba que no muestra nada que identifique a un paciente "
        "(nombre, cara, número de historia, fecha de nacimiento). Si lo muestra, envía otro; "
        "si no, pulsa <b>Enviar</b>."
    ),
    "qa.media_send": "✅ Enviar",
    "qa.media_cancel": "✖️ No enviar",
    "qa.media_cancelled": "No enviado. Nada salió de este chat.",
    "qa.list_title": "<b>Tus preguntas</b> (las más recientes primero)",
    "qa.list_empty": "Aún no hay preguntas. /ask envía una a tu mentor.",
    "qa.list_line": "{status} {day} · {who}\n   {preview}",
    "qa.status.open": "🟡 esperando",
    "qa.status.answered": "🟢 respondida",
    "qa.status.closed": "⚪ cerrada",
    "qa.who.asked": "preguntaste a {name}",
    "qa.who.asked_pool": "preguntaste al grupo de mentores",
    "qa.who.from": "de {name}",
    "qa.who.from_pool": "pregunta al grupo",
    "qa.refused.not_yours": "Esa pregunta no es tuya.",
    "qa.refused.closed": "Esta conversación terminó: la mentoría ha finalizado.",
    "qa.refused.taken": "Otra persona del equipo ya tomó esta pregunta. ¡Gracias!",
    "qa.refused.yours": "Ya tomaste esta pregunta.",
    "qa.refused.not_member": "No participas como mentee en ese programa.",
    "outbox.undeliverable": (
        "⚠️ Tu mensaje para {name} no se pudo entregar: ahora no puede recibir mis mensajes. "
        "La coordinación ya está avisada."
    ),
}
