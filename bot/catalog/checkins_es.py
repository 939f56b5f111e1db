"""Spanish messages for the checkins feature (merged into the es catalog by ``bot.i18n``)."""

MESSAGES: dict[str, str] = {
    "cmd.checkin": "Responder o ver tu seguimiento",
    "cmd.settings": "Día, hora, horas de silencio, pausa",
    "checkins.pulse.ask": "🌱 <b>¿Cómo fue tu semana?</b> (1 = muy difícil, 5 = excelente)",
    "checkins.pulse.answered": "Respondiste <b>{score}/5</b>. Toca otro número para cambiarlo.",
    "checkins.score.1": "1",
    "checkins.score.2": "2",
    "checkins.score.3": "3",
    "checkins.score.4": "4",
    "checkins.score.5": "5",
    "checkins.score_saved": "Guardado: {score}/5",
    "checkins.blocking.ask": (
        "¿Hay algo que te esté frenando? Escribe unas palabras o envía una nota de voz"
        " — o sáltalo."
    ),
    "checkins.blocking.skip": "Saltar",
    "checkins.blocking.wellbeing": "Es sobre mi bienestar",
    "checkins.blocking.saved": "Gracias por contárnoslo.",
    "checkins.blocking.skipped": "Nada te frena: qué bien.",
    "checkins.blocking.wellbeing_saved": (
        "Gracias por decirlo. La coordinación de tu programa se pondrá en contacto contigo."
    ),
    "checkins.blocking.need_text": "Escríbelo o envía una nota de voz — o toca Saltar.",
    "checkins.reach_out.ask": "¿Quieres que tu mentor/a se ponga en contacto contigo?",
    "checkins.reach_out.yes": "Sí, por favor",
    "checkins.reach_out.no": "No, gracias",
    "checkins.reach_out.told": "Le pedimos a tu mentor/a que se ponga en contacto. 🤝",
    "checkins.thanks": "¡Gracias! Hasta el próximo seguimiento.",
    "checkins.pair.ask": "🤝 ¿Hablaron tú y <b>{name}</b> este mes?",
    "checkins.pair.answered.yes": "(respondiste: sí)",
    "checkins.pair.answered.not_yet": "(respondiste: todavía no)",
    "checkins.pair.answered.need_help": "(pediste ayuda)",
    "checkins.pair.yes": "Sí",
    "checkins.pair.not_yet": "Todavía no",
    "checkins.pair.need_help": "Necesito ayuda",
    "checkins.pair.thanks": "Gracias, anotado.",
    "checkins.pair.help_sent": "Avisamos a la coordinación; te ayudarán.",
    "checkins.seen": "Visto ✓",
    "checkins.seen_done": "Marcado como visto.",
    "checkins.digest.title": "📋 <b>Tu semana como mentor/a</b>",
    "checkins.digest.questions": "<b>Preguntas que te esperan</b>",
    "checkins.digest.question": "• {name} — esperando {days} día(s)",
    "checkins.digest.pulses": "<b>Cómo se sienten tus mentoreados</b>",
    "checkins.digest.pulse": "• {name}: {score}/5",
    "checkins.digest.goals": "<b>Metas que vencen pronto</b>",
    "checkins.digest.goal": "• {name}: {what} (para el {due})",
    "checkins.digest.notes": "<b>Notas de agradecimiento</b>",
    "checkins.digest.note": "• {name}: “{text}”",
    "checkins.digest.empty": "Nada nuevo esta semana.",
    "checkins.profile_reminder": (
        "Tu perfil aún no está completo. Envía /profile para seguir donde lo dejaste —"
        " son dos minutos."
    ),
    "checkins.unmatched_coordinator": "⏳ {name} lleva {days} días esperando un/a mentor/a.",
    "checkins.low_for_mentor": (
        "🌱 {name} calificó su semana con {score}/5. Un mensaje breve puede ayudar."
    ),
    "checkins.very_low_coordinator": (
        "⚠️ {name} calificó su semana con 1/5 dos veces seguidas. Por favor, contáctale."
    ),
    "checkins.wellbeing_coordinator": (
        "⚠️ {name} expresó una preocupación sobre su bienestar en su seguimiento."
    ),
    "checkins.wellbeing_for_mentor": (
        "⚠️ {name} expresó una preocupación sobre su bienestar; la coordinación también lo sabe."
    ),
    "checkins.reach_out_for_mentor": "🤝 {name} quiere que te pongas en contacto.{blocking}",
    "checkins.reach_out_blocking": "\nLo que le frena: “{text}”",
    "checkins.need_help_coordinator": (
        "🆘 {name} pidió ayuda con su pareja de mentoría con {other}."
    ),
    "checkins.refused.not_yours": "Este seguimiento no es tuyo o ya no está abierto.",
    "checkins.refused.no_mentor": "Ahora mismo no tienes mentor/a.",
    "checkins.none": "No hay ningún seguimiento para ti ahora mismo.",
    "checkins.settings.title": "⚙️ <b>Tus seguimientos</b>",
    "checkins.settings.line": "<b>{label}:</b> {value}",
    "checkins.settings.next": "Próximo seguimiento: <b>{when}</b>",
    "checkins.settings.paused": "Los seguimientos están <b>en pausa</b>.",
    "checkins.settings.pause": "Pausar",
    "checkins.settings.resume": "Reanudar",
}
