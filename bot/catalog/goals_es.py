"""Spanish messages for the goals feature (merged into the es catalog by ``bot.i18n``)."""

MESSAGES: dict[str, str] = {
    "cmd.goals": "Definir y seguir metas SMART",
    "goals.not_for_you": "/goals es para mentorados y sus mentores.",
    # -- definir una meta --
    "goals.intro": "🎯 Definamos una meta: cuatro preguntas cortas. /cancel la detiene cuando quieras.",  # noqa: E501
    "goals.ask.what": "1/4 ¿<b>Qué</b> quieres lograr? Una frase, p. ej. «Presentar un caso en la reunión regional».",  # noqa: E501
    "goals.ask.measure": "2/4 ¿Cómo sabrás que <b>está logrado</b>? P. ej. «Lo presenté y recibí comentarios de dos especialistas».",  # noqa: E501
    "goals.ask.due": "3/4 ¿<b>Para cuándo</b>? Escribe una fecha como día/mes/año (31/03/2027), como 2027-03-31 o en palabras (31 de marzo de 2027).",  # noqa: E501
    "goals.ask.first_step": "4/4 ¿Cuál es tu <b>primer paso</b>, algo que puedas hacer esta semana?",  # noqa: E501
    "goals.date.format": "No pude leer eso como una fecha. Escribe día/mes/año, p. ej. 31/03/2027, o 2027-03-31, o 31 de marzo de 2027.",  # noqa: E501
    "goals.date.no_such_day": "Ese día no existe en el calendario: revisa el día y el mes, y escríbelo como día/mes/año, p. ej. 31/03/2027.",  # noqa: E501
    "goals.date.past": "Esa fecha no está en el futuro. Elige un día entre el {earliest} y el {latest} (día/mes/año).",  # noqa: E501
    "goals.date.too_far": "Eso es dentro de más de dos años: una meta funciona mejor más cerca. Elige un día entre el {earliest} y el {latest} (día/mes/año).",  # noqa: E501
    "goals.created": "✅ ¡Meta guardada!\n\n{card}\n\nTe lo recordaré antes de la fecha. /goals muestra tus metas.",  # noqa: E501
    # -- una meta, una lista de metas --
    "goals.card": "🎯 <b>{what}</b>\nLograda cuando: {measure}\nFecha: {due}\nPrimer paso: {first_step}\nAvance: {progress} %",  # noqa: E501
    "goals.card.note": "📝 {note}",
    "goals.line.active": "• <b>{what}</b> — {progress} % · para el {due}",
    "goals.line.done": "✅ {what}",
    "goals.mine.title": "🎯 <b>Tus metas</b> (toca una para actualizarla)",
    "goals.new": "➕ Nueva meta",
    "goals.mentees": "👥 Metas de mis mentorados",
    "goals.open": "Abrir la meta",
    # -- actualizar --
    "goals.progress_button": "{progress} %",
    "goals.note": "📝 Añadir una nota",
    "goals.done": "✅ Lograda",
    "goals.drop": "🗑 Abandonar",
    "goals.progress_saved": "📈 «{what}»: {progress} %. ¡Sigue así!",
    "goals.done_saved": "🎉 ¡Muy bien! «{what}» está lograda.",
    "goals.ask.note": "Escribe tu nota sobre «{what}»: ¿cómo va, qué te lo dificulta?",
    "goals.note_saved": "📝 Nota guardada. Tu mentor la ve junto a la meta.",
    "goals.drop.confirm": "¿Abandonar «{what}»? Ya no aparecerá ni tendrá recordatorio.",
    "goals.drop.yes": "Sí, abandonarla",
    "goals.drop.no": "Mantenerla",
    "goals.dropped": "🗑 Abandonaste «{what}».",
    "goals.kept": "👍 La mantienes. ¡Mucho ánimo!",
    # -- mentores --
    "goals.mentor.none": "Ahora no tienes mentorados, así que no hay metas que ver.",
    "goals.mentor.pick": "¿De quién quieres ver las metas?",
    "goals.mentor.title": "🎯 <b>Metas de {name}</b> (toca una para comentarla)",
    "goals.mentor.empty": "{name} aún no ha definido una meta. ¿Le sugieres una?",
    "goals.comment_button": "💬 {what}",
    "goals.ask.comment": "Escribe tu comentario para {name} sobre «{what}».",
    "goals.comment_sent": "💬 Enviado a {name}.",
    # -- enviado al otro lado --
    "goals.comment_for_mentee": "💬 {name} comentó tu meta «{what}»:\n{comment}",
    "goals.new_for_mentor": "🎯 {name} definió una meta nueva: «{what}». /goals la muestra.",
    "goals.done_for_mentor": "🎉 ¡{name} logró una meta: «{what}»! Unas palabras tuyas significarían mucho: /goals.",  # noqa: E501
    "goals.reminder": "⏰ Tu meta «{what}» vence el {due}. ¿Cómo va? Actualiza tu avance:",
    "goals.reminder_today": "⏰ Hoy es el día de tu meta «{what}». ¿Está lograda? Actualízala:",
    # -- rechazos --
    "goals.refused.not_yours": "Esa meta no es una que puedas ver o cambiar.",
    "goals.refused.closed": "Esa meta ya está lograda o abandonada.",
    "goals.refused.not_mentee": "Las metas son para mentorados: no eres mentorado en ningún programa.",  # noqa: E501
    "goals.refused.bad_progress": "Ese valor de avance no es uno de los botones.",
}
