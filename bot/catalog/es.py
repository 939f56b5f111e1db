"""Spanish messages (neutral Latin American Spanish, addressing the user with "tú").

Same keys as the English reference catalog. Telegram HTML; ``{name}`` placeholders are filled
(and escaped) by ``bot.i18n.t``.
"""

MESSAGES: dict[str, str] = {
    # -- commands (menu and /help) --
    "cmd.start": "Únete, o continúa donde te quedaste",
    "cmd.help": "Lo que puedo hacer por ti",
    "cmd.profile": "Ver y editar tu perfil",
    "cmd.language": "Cambiar de idioma",
    "cmd.pause": "Pausar seguimientos y solicitudes",
    "cmd.resume": "Reanudar después de una pausa",
    "cmd.cancel": "Detener lo que estamos haciendo",
    "cmd.deletemydata": "Borrar todos tus datos",
    # -- start and consent --
    "start.privacy": (
        "👋 <b>Te damos la bienvenida a Preceptor</b>, un acompañamiento de mentoría para "
        "personas en formación en salud.\n\n"
        "<b>Tu privacidad, en resumen</b>\n"
        "• Guardo tu id de Telegram, el nombre que me des, tu perfil y lo que envíes "
        "a través de mí, solo para hacer funcionar el programa de mentoría.\n"
        "• Tu mentor/a o tu mentorado/a nunca ve tu número de teléfono ni tu nombre de usuario.\n"
        "• Los coordinadores ven cifras, no tus mensajes.\n"
        "• Con /deletemydata borras todo, en cualquier momento.\n\n"
        "¿Estás de acuerdo?"
    ),
    "consent.yes": "✅ Estoy de acuerdo",
    "consent.no": "No, gracias",
    "consent.thanks": "✅ Gracias. Armemos tu perfil: toma unos dos minutos.",
    "consent.declined": (
        "No hay problema: no guardé nada sobre ti. Envía /start cuando cambies de opinión."
    ),
    "consent.use_buttons": (
        "Por favor, toca <b>Estoy de acuerdo</b> o <b>No, gracias</b> debajo de mi último mensaje."
    ),
    "start.bad_invite": (
        "⚠️ Ese enlace de invitación no es válido (o ya venció). Igual puedes unirte: si te "
        "invitaron a un programa específico, pide un enlace nuevo a tu coordinador/a."
    ),
    "start.joined": "🎉 Te uniste a <b>{programme}</b> como {role}.",
    "start.first": "Por favor, envía /start primero para dejar todo listo.",
    "start.welcome_back": "¡Qué bueno verte de nuevo, {name}! Con /help ves lo que puedes hacer.",
    # -- roles --
    "role.mentee": "mentorado/a",
    "role.mentor": "mentor/a",
    "role.coordinator": "coordinador/a",
    "q.role": "¿Vienes a recibir mentoría o a ser mentor/a de otras personas?",
    "role.mentee.pick": "🎓 Quiero mentoría",
    "role.mentor.pick": "🩺 Quiero ser mentor/a",
    "role.chosen": "✅ Eres {role}.",
    # -- profile questions --
    "q.progress": "<i>({n}/{total})</i> ",
    "q.name": "¿Cómo te llamo? Escribe tu nombre tal como quieres que lo vean los demás.",
    "q.name.use": "Usar “{name}”",
    "q.field": "¿Cuál es tu área o especialidad? Toca una o escribe la tuya.",
    "q.stage": "¿En qué etapa estás?",
    "q.stage.mentee": "¿En qué punto de tu formación estás?",
    "q.stage.mentor": "¿Cuánta experiencia tienes?",
    "q.interests": (
        "¿De qué te gustaría conversar? Toca todas las opciones que apliquen y luego <b>Listo</b>."
    ),
    "q.languages": (
        "¿En qué idiomas puedes dar o recibir mentoría? Tócalos todos y luego <b>Listo</b>."
    ),
    "q.bio": (
        "Unas palabras sobre ti para tu mentor/a o mentorado/a (hasta 500 caracteres), "
        "o toca <b>Omitir</b>."
    ),
    "q.bio.skip": "Omitir",
    "q.capacity": "¿Cuántas personas puedes mentorear al mismo tiempo?",
    "q.timezone": (
        "¿Dónde estás? Escribe tu ciudad o país (p. ej. <i>Lima</i>, <i>Kenia</i>) o tu "
        "diferencia con UTC (p. ej. <i>UTC-5</i>), así te escribo a horas razonables."
    ),
    "q.day": "¿Qué día te queda mejor para un seguimiento semanal?",
    "q.hour": "¿A qué hora (hora local)?",
    "q.quiet": "¿Cuándo no debo escribirte nunca (horas de silencio)?",
    "q.done": "✔️ Listo",
    "q.pick_one": "Primero elige al menos una opción, por favor.",
    "answered": "{question}: <b>{answer}</b>",
    "onboarding.done": (
        "🎉 ¡Todo listo, {name}! Tu perfil está completo.\n\nEsto es lo que puedes hacer:\n"
        "{commands}"
    ),
    # -- profile labels (card and confirmations) --
    "label.name": "Nombre",
    "label.field": "Área",
    "label.stage": "Etapa",
    "label.interests": "Intereses",
    "label.languages": "Idiomas",
    "label.bio": "Sobre ti",
    "label.capacity": "Mentorados a la vez",
    "label.timezone": "Zona horaria",
    "label.day": "Día de seguimiento",
    "label.hour": "Hora de seguimiento",
    "label.quiet": "Horas de silencio",
    "profile.title": "👤 <b>Tu perfil</b> ({roles})\nToca un botón para cambiar esa parte.\n",
    "profile.no_bio": "(nada)",
    "profile.paused": "\n⏸ En pausa: envía /resume para volver a recibir seguimientos.",
    # -- choices --
    "field.family_medicine": "Medicina familiar",
    "field.internal_medicine": "Medicina interna",
    "field.paediatrics": "Pediatría",
    "field.surgery": "Cirugía",
    "field.obgyn": "Ginecología y obstetricia",
    "field.psychiatry": "Psiquiatría",
    "field.emergency": "Medicina de emergencias",
    "field.anaesthesia": "Anestesiología",
    "field.public_health": "Salud pública",
    "field.nursing": "Enfermería",
    "field.midwifery": "Partería",
    "field.pharmacy": "Farmacia",
    "stage.student_early": "Estudiante, ciclo básico",
    "stage.student_late": "Estudiante, ciclo clínico",
    "stage.intern": "Internado",
    "stage.resident": "Residente",
    "stage.fellow": "Subespecialidad (fellow)",
    "stage.senior_trainee": "Formación avanzada",
    "stage.years_0_5": "Menos de 5 años de ejercicio",
    "stage.years_5_10": "5–10 años",
    "stage.years_10_20": "10–20 años",
    "stage.years_20_plus": "Más de 20 años",
    "interest.clinical_skills": "Habilidades clínicas",
    "interest.research": "Investigación",
    "interest.career": "Plan de carrera",
    "interest.rural_practice": "Práctica rural",
    "interest.wellbeing": "Bienestar",
    "interest.teaching": "Docencia",
    "interest.leadership": "Liderazgo",
    "interest.global_health": "Salud global",
    "interest.exams": "Exámenes",
    "interest.work_life": "Equilibrio vida–trabajo",
    "spoken.en": "Inglés",
    "spoken.es": "Español",
    "spoken.pt": "Portugués",
    "spoken.fr": "Francés",
    "spoken.qu": "Quechua",
    "spoken.sw": "Suajili",
    "day.0": "Lunes",
    "day.1": "Martes",
    "day.2": "Miércoles",
    "day.3": "Jueves",
    "day.4": "Viernes",
    "day.5": "Sábado",
    "day.6": "Domingo",
    "quiet.22-7": "22:00 – 07:00",
    "quiet.21-8": "21:00 – 08:00",
    "quiet.23-6": "23:00 – 06:00",
    "quiet.0-0": "Sin horas de silencio",
    # -- timezone --
    "tz.confirm": "Encontré <b>{zone}</b>: allí ahora son las {time}. ¿Es correcto?",
    "tz.yes": "✅ Sí",
    "tz.no": "No, lo escribo de nuevo",
    "tz.none": "Ninguna: lo escribo de nuevo",
    "tz.pick": "Ese lugar tiene varias zonas horarias. ¿Cuál es la tuya?",
    "tz.retry": "Bien, intentemos de nuevo.",
    "tz.unknown": (
        "🤔 No encontré ese lugar. Prueba con una ciudad grande cercana (<i>Cusco</i>, "
        "<i>Nairobi</i>), un país (<i>Perú</i>) o una diferencia con UTC (<i>UTC-5</i>, "
        "<i>+05:30</i>)."
    ),
    # -- bad input --
    "invalid.empty": "Eso llegó vacío.",
    "invalid.too_long": "Es demasiado largo: máximo {maximum} caracteres (enviaste {length}).",
    "invalid.no_letters": "Por favor, usa palabras: aquí no bastan emojis o números solos.",
    "invalid.need_text": "Aquí necesito una respuesta escrita, no una imagen ni un archivo.",
    "invalid.use_buttons": "Por favor, responde con uno de los botones de abajo.",
    "stale_button": "Este botón es de un mensaje anterior y ya no funciona. Usa el más reciente, por favor.",  # noqa: E501
    "unknown.command": "No conozco {command}. Con /help ves lo que puedo hacer.",
    "unknown.message": "No sé bien qué hacer con eso. Con /help ves lo que puedo hacer.",
    "group.private_only": (
        "¡Hola! Solo funciono en chats privados, para que las conversaciones sean confidenciales. "
        "Escríbeme directamente: @{bot}"
    ),
    "error.generic": "😕 Algo salió mal de mi lado. Por favor, inténtalo de nuevo en un momento.",
    # -- help, cancel --
    "help.newcomer": (
        "Conecto a personas en formación en salud con mentores. Envía /start para unirte.\n\n"
        "{commands}"
    ),
    "help.member": "Esto es lo que puedes hacer:\n{commands}",
    "cancel.done": "Listo, me detuve. No se pierde nada de lo que ya guardaste.",
    "cancel.onboarding": (
        "Pausé la configuración. Tus respuestas quedan guardadas: /start continúa desde aquí."
    ),
    "cancel.nothing": "No hay nada que cancelar en este momento.",
    # -- language, pause --
    "language.name": "Español",
    "language.ask": "¿Qué idioma prefieres?",
    "language.set": "✅ Hablaré contigo en español.",
    "pause.on": (
        "⏸ En pausa. No habrá seguimientos ni solicitudes nuevas hasta que envíes /resume."
    ),
    "pause.off": "▶️ ¡Qué bueno tenerte de vuelta! Los seguimientos se reanudan.",
    # -- deletion --
    "delete.ask": (
        "⚠️ Esto borra tu perfil, tus respuestas y todo lo que enviaste a través de mí, "
        "para siempre. Las estadísticas del programa solo conservan un conteo anónimo. "
        "¿Borrar todo?"
    ),
    "delete.yes": "🗑 Sí, borrar todo",
    "delete.no": "No, conservar mis datos",
    "delete.done": ("🗑 Listo: se borró todo lo tuyo. Envía /start si algún día quieres volver."),
    "delete.kept": "Bien, no se borró nada.",
    "delete.nothing": "No tengo datos tuyos. No hay nada que borrar.",
    # -- delivery (outbox) --
    "outbox.someone": "Un participante (#{id})",
    "outbox.blocked_notice": (
        "⚠️ {name} bloqueó el bot, así que mis mensajes ya no le llegan. "
        "Si puedes, busca otra forma de comunicarte con esa persona."
    ),
    # -- programmes (coordinators) --
    "coordinator.only": "Este comando es para coordinadores del programa.",
    "programme.name_needed": (
        "Ponle un nombre al programa, p. ej. /newprogram Pediatría Rural 2027"
    ),
    "programme.created": (
        "✅ Programa <b>{name}</b> creado. Comparte estos enlaces de invitación:\n{links}"
    ),
    "programme.heading": "{name}",
    "programme.invite_line": "• {role}: {link}",
    "programme.disabled": "(desactivado)",
    # -- pairs --
    "pairs.no_mentor": (
        "Aún no tienes mentor/a. Tu coordinador/a te asignará pronto, y te presentaré en "
        "cuanto ocurra."
    ),
    "pairs.no_mentees": (
        "Aún no tienes mentorados/as. Te presentaré a cada uno en cuanto los asignen."
    ),
    "pairs.my_mentor": "🤝 <b>Tu mentor/a</b>",
    "pairs.my_mentees": "🤝 <b>Tus mentorados/as</b>",
    "pairs.line": "• {name} ({programme})",
    "pair.intro.mentee": "🤝 Te presento a tu mentor/a, <b>{name}</b>.",
    "pair.intro.mentor": "🤝 Tienes un/a nuevo/a mentorado/a, <b>{name}</b>.",
    "pair.intro.facts": "{facts}",
    "pair.intro.bio": "<i>«{bio}»</i>",
    "pair.intro.reasons": "Por qué ustedes dos: {reasons}",
    "pair.intro.ask.mentee": (
        "❓ Para preguntarle algo a {name}, envía /ask y luego tu pregunta: texto, una nota de "
        "voz o una foto."
    ),
    "pair.intro.ask.mentor": (
        "❓ Las preguntas de {name} te llegan aquí. Toca {reply} debajo de una (o respóndela sin "
        "más) y escribe o envía una nota de voz."
    ),
    "pair.intro.expect.mentee": (
        "⏳ {name} intentará responderte en {hours} h como máximo. Te preguntaré cómo vas "
        "{cadence}: con un toque basta."
    ),
    "pair.intro.expect.mentor": (
        "⏳ Si puedes, responde en {hours} h como máximo; una respuesta breve ayuda mucho. Te "
        "enviaré un breve resumen {cadence}."
    ),
    "pair.intro.cadence.weekly": "cada semana",
    "pair.intro.cadence.fortnightly": "cada dos semanas",
    "pair.intro.cadence.monthly": "cada mes",
    "pair.ended.mentee": (
        "Tu pareja de mentoría ha terminado. Gracias por el tiempo compartido. "
        "Vuelves a la lista de espera: tu coordinador/a ya lo sabe y te asignará un/a nuevo/a "
        "mentor/a."
    ),
    "pair.ended.mentee_offer": (
        "Tu pareja de mentoría ha terminado. Gracias por el tiempo compartido.\n\n{offer}"
    ),
    "pair.ended.mentor": (
        "Una de tus parejas de mentoría ha terminado. Gracias por tu tiempo y dedicación."
    ),
    "cmd.newprogram": "Crear un programa (coordinación)",
    "cmd.invites": "Ver enlaces de invitación (coordinación)",
    "cmd.mymentor": "Quién es mi mentor/a",
    "cmd.mymentees": "A quién acompaño",
    # -- match reasons --
    "reason.same_field": "ambos en {field}",
    "reason.languages": "ambos hablan {languages}",
    "reason.interests": "intereses en común: {interests}",
    "reason.hours_apart": "{hours} h de diferencia",
    "reason.places_left": "{places} plazas libres",
    # -- coordinator pairing --
    "pair.pick_programme": "¿Qué programa?",
    "pair.pick_mentee": "¿Quién necesita mentor/a en <b>{programme}</b>? Toca un/a mentorado/a:",
    "pair.nobody_waiting": "Todos los mentorados de <b>{programme}</b> tienen mentor/a. 🎉",
    "pair.pick_mentor": (
        "Mejores mentores para <b>{name}</b>:\n{lines}\n\nToca uno para emparejarlos."
    ),
    "pair.suggestion_line": "{n}. <b>{name}</b>: {reasons}",
    "pair.no_mentors": (
        "Ningún mentor puede recibir a <b>{name}</b> ahora (plazas, idiomas o reglas)."
    ),
    "pair.done": (
        "✅ {mentee} ya tiene como mentor/a a {mentor}. Los dos recibieron su presentación."
    ),
    "pair.refused.not_members": "No son mentor/a y mentorado/a de este programa.",
    "pair.refused.has_mentor": "Este/a mentorado/a ya tiene mentor/a en este programa.",
    "pair.refused.no_capacity": "Este/a mentor/a no tiene plazas libres.",
    "pair.refused.away": "Este/a mentor/a está ausente por ahora.",
    "pair.refused.paired_before": "Estas dos personas ya fueron pareja antes.",
    "pair.refused.excluded": "Un/a coordinador/a excluyó esta pareja.",
    "pair.refused.unreachable": "Una de las dos personas no está localizable (bloqueó el bot).",
    "pair.refused.not_yours": "No puedes cambiar esa pareja.",
    "pair.refused.already_ended": "Esa pareja ya terminó.",
    "pair.refused.bad_rating": "Valora del 1 al 5, por favor.",
    "pair.refused.no_common_language": "Estas dos personas no comparten ningún idioma.",
    "pair.refused.stage_rule": (
        "Este/a mentor/a no tiene la antigüedad necesaria para este/a mentorado/a "
        "(regla de mentoría entre pares)."
    ),
    "pair.refused.same_person": "Nadie puede ser su propio/a mentor/a.",
    "cmd.pair": "Emparejar mentorado/a y mentor/a (coordinación)",
    # -- ending pairs --
    "endpair.pick": "¿Qué pareja quieres terminar?",
    "endpair.none": "No tienes ninguna pareja de mentoría activa.",
    "unpair.none": "No hay parejas activas en tus programas.",
    "endpair.rate": "¿Cómo fue? Valóralo de 1 (mal) a 5 (excelente):",
    "endpair.reason": "¿Cuál es el motivo principal para terminar?",
    "endreason.finished": "Terminó el programa",
    "endreason.no_fit": "No encajamos bien",
    "endreason.no_time": "No tengo tiempo ahora",
    "endreason.other": "Otro motivo",
    "endpair.done": (
        "La pareja {mentee} ↔ {mentor} ha terminado. "
        "Gracias; se lo hemos comunicado con tacto a la otra persona."
    ),
    "cmd.endpair": "Terminar mi pareja de mentoría",
    "cmd.unpair": "Terminar una pareja (coordinación)",
    "end.rate_coordinator": (
        "¿Cómo fue esta pareja, por lo que sabes? Valórala de 1 (mal) a 5 (excelente), u "
        "omite la valoración:"
    ),
    "end.skip": "Omitir",
    "end.offer.choose": (
        "Mentores que podrían acompañarte ahora:\n{lines}\n\nToca uno para pedirle que sea "
        "tu mentor/a."
    ),
    "end.offer.nobody": (
        "Ahora mismo ningún otro mentor con plaza libre encaja contigo. Tu coordinador/a ya lo "
        "sabe; /findmentor muestra nuevos mentores cuando se abren plazas."
    ),
    "end.offer.find": "/findmentor muestra los mentores que podrían acompañarte ahora.",
    "end.offer.waiting": (
        "Vuelves a la lista de espera: tu coordinador/a ya lo sabe y te asignará un/a nuevo/a "
        "mentor/a."
    ),
    "end.offer.coordinator": (
        "⏳ <b>{mentee}</b> espera un/a nuevo/a mentor/a en {programme} (su pareja con "
        "{mentor} ha terminado)."
    ),
    "end.offer.pair_now": "Emparejar a {name} ahora",
    "pair.insist.ask": (
        "↩️ <b>{mentee}</b> y <b>{mentor}</b> ya fueron pareja; esa pareja terminó el {date} "
        "(motivo: {reason}; valoración: {rating}).\n\n¿Emparejarlos de nuevo de todos modos? "
        "Los dos recibirán otra presentación."
    ),
    "pair.insist.button": "Emparejarlos de nuevo igualmente",
    "pair.insist.previous": "↩️ {name} (ya fueron pareja)",
    "pair.insist.rating": "{rating}/5",
    # -- away --
    "away.mentors_only": "/away es para mentores: pausa la llegada de nuevos mentorados.",
    "away.ask": (
        "¿Te tomas un descanso? No te asignaré nuevos mentorados hasta la fecha que elijas."
    ),
    "away.7": "Una semana",
    "away.14": "Dos semanas",
    "away.30": "Un mes",
    "away.back": "Ya volví",
    "away.until": (
        "🌴 Ausente hasta el {date}: sin nuevos mentorados "
        "hasta entonces. /away de nuevo para volver antes."
    ),
    "cmd.away": "Pausar nuevos mentorados",
    "away.returned": "¡Bienvenido/a de vuelta! Ya puedes recibir nuevos mentorados.",
    # -- batch matching --
    "match.title": (
        "🧩 <b>{programme}</b>: {count} parejas propuestas, puntuación total {total} "
        "(el mejor total para todos)."
    ),
    "match.pair": "• {mentee} ↔ {mentor} · <b>{score}</b>: {reasons}",
    "match.more": "…y {count} más.",
    "match.page": "Parejas {first}–{last} de {count}.",
    "match.previous": "◀️ Anteriores",
    "match.next": "Siguientes ▶️",
    "match.skipped": "• {mentee} ↔ {mentor}: {reason}",
    "match.auto_done": (
        "🧩 Emparejamiento automático en <b>{programme}</b>: {formed} parejas nuevas formadas y "
        "presentadas; {waiting} mentorados/as siguen esperando. /match muestra quién espera y "
        "por qué."
    ),
    "match.unmatched_title": "\nSiguen sin mentor/a:",
    "match.unmatched": "• {name}: {reason}",
    "match.approve": "✅ Aprobar todas",
    "match.change": "✏️ Cambiar una pareja",
    "match.pick_pair": "¿Qué pareja quieres cambiar?",
    "match.pick_mentor": "Otro mentor para {name} (quienes mejor encajan, con su puntuación):",
    "match.leave_unmatched": "Dejar sin mentor por ahora",
    "match.back": "⬅️ Volver a la propuesta",
    "match.cancel": "Cancelar",
    "match.cancelled": "Cancelado: no se formó ninguna pareja.",
    "match.done": (
        "✅ {formed} parejas formadas y presentadas; {skipped} omitidas porque las "
        "reglas cambiaron entretanto. Usa /pair y /unpair para ajustar parejas sueltas."
    ),
    "unmatched.by_coordinator": "sin mentor por decisión tuya",
    "unmatched.no_mentors": "ningún mentor tiene plazas",
    "unmatched.no_common_language": "ningún mentor comparte un idioma",
    "unmatched.stage_rule": "ningún mentor con suficiente experiencia",
    "unmatched.all_excluded": "todos los mentores posibles están excluidos o ya fueron pareja",
    "unmatched.poor_fit": "ninguna opción suficientemente buena",
    "unmatched.no_capacity": "los mentores adecuados están completos",
    "cmd.match": "Proponer parejas para quienes esperan (coordinación)",
    # -- mentee choice: /findmentor and requests --
    "findmentor.cards": (
        "Mentores que mejor encajan contigo:\n{lines}\n\nToca uno para pedirle que sea tu "
        "mentor/a."
    ),
    "findmentor.card": "{n}. <b>{name}</b>\n{facts}\n<i>{bio}</i>\nPor qué: {reasons}",
    "findmentor.ask": "Pedir a {name}",
    "findmentor.sent": "📨 Solicitud enviada a {name}. Te avisaré en cuanto responda.",
    "findmentor.nobody": (
        "Ahora mismo ningún mentor con plaza libre encaja contigo. Vuelve a intentarlo en unos "
        "días, o pregunta a tu coordinador/a."
    ),
    "findmentor.has_mentor": "Ya tienes mentor/a en {programme}: /mymentor.",
    "findmentor.pending": (
        "Ya se lo pediste a {name}; espera su respuesta (o a que caduque la solicitud) antes "
        "de pedírselo a otra persona."
    ),
    "findmentor.pick_programme": "¿En qué programa buscas mentor/a?",
    "findmentor.not_member": "No eres mentorado/a de ese programa.",
    "findmentor.not_choice": (
        "En tu programa la coordinación forma las parejas: te presentaré en cuanto ocurra."
    ),
    "request.new": (
        "🙋 <b>{name}</b> quiere que seas su mentor/a en {programme}. Esta solicitud caduca en "
        "{hours} h."
    ),
    "request.accept": "✅ Aceptar",
    "request.decline": "Rechazar",
    "request.ask_more": "Pedir más información",
    "request.reminder": "⏰ {name} sigue esperando tu respuesta a su solicitud.",
    "request.declined": "{name} no puede recibir un nuevo mentorado ahora.",
    "request.question": (
        "❓ <b>{name}</b> quiere saber un poco más antes de decidir:\n\n<i>{question}</i>"
        "\n\nToca Responder para contestar; tu solicitud sigue abierta."
    ),
    "request.answer": "💬 <b>{name}</b> responde a tu pregunta:\n\n<i>{answer}</i>",
    "request.reply": "↩️ Responder",
    "request.write.mentor": (
        "¿Qué te gustaría saber de {name}? Escríbelo en un mensaje (hasta {limit} caracteres) "
        "y se lo haré llegar. /cancel para dejarlo."
    ),
    "request.write.mentee": (
        "Escribe tu respuesta para {name} en un mensaje (hasta {limit} caracteres) y se la "
        "haré llegar. /cancel para dejarlo."
    ),
    "request.sent.mentor": "📨 Tu pregunta va camino de {name}. Te haré llegar la respuesta.",
    "request.sent.mentee": "📨 Tu respuesta va camino de {name}. Tu solicitud sigue abierta.",
    "request.relay.not_text": (
        "Escríbelo como mensaje de texto (hasta {limit} caracteres) para que pueda hacerlo "
        "llegar. /cancel para dejarlo."
    ),
    "request.relay.empty": "Ese mensaje está vacío. Escribe unas palabras. /cancel para dejarlo.",
    "request.relay.too_long": (
        "Son {length} caracteres; por favor no pases de {limit} y envíalo de nuevo. /cancel "
        "para dejarlo."
    ),
    "request.closed": "Esta solicitud ya no está abierta: fue respondida o caducó.",
    "request.expired": "Tu solicitud a {name} caducó sin respuesta.",
    "request.nobody_left": (
        "Ahora mismo ningún otro mentor con plaza libre encaja contigo. Se lo he dicho a tu "
        "coordinador/a, que te ayudará a encontrar uno."
    ),
    "request.stranded_coordinator": (
        "La solicitud de {mentee} a {mentor} terminó sin pareja, y ningún otro mentor con plaza "
        "libre encaja con {mentee} en {programme}. Ayúdale a encontrar mentor/a, por favor."
    ),
    "request.unavailable": (
        "Ahora no puedes pedírselo a este mentor: puede que no tenga plaza, esté ausente o ya "
        "no encaje contigo. /findmentor muestra a quién puedes pedírselo."
    ),
    "request.away": (
        "Estás ausente, así que no puedes recibir un nuevo mentorado. Toca «{back}» en /away "
        "y vuelve a Aceptar mientras la solicitud siga abierta."
    ),
    "request.expired_coordinator": (
        "{mentor} no respondió a tiempo la solicitud de {mentee}; {mentee} puede elegir otro/a "
        "mentor/a."
    ),
    "request.done.accept": "✅ Ahora eres mentor/a de {name}. Los dos recibieron su presentación.",
    "request.done.decline": "Rechazaste la solicitud de {name}. Gracias por responder.",
    "request.done.no_capacity": (
        "No te quedan plazas libres, así que ahora no puedes recibir a {name}. Se lo he dicho "
        "para que pueda elegir otro/a mentor/a."
    ),
    "request.done.has_mentor": "{name} ya tiene mentor/a, así que esta solicitud está cerrada.",
    "request.done.not_allowed": (
        "La solicitud de {name} ya no se puede aceptar, así que está cerrada. Se lo he dicho."
    ),
    "pair.refused.pending": "Ya tienes una solicitud esperando respuesta.",
    "cmd.findmentor": "Elegir mentor/a",
    # -- programme settings --
    "programme.settings": (
        "⚙️ <b>{name}</b>\nLas parejas se forman: <b>{mode}</b>\nTiempo de respuesta esperado: "
        "<b>{hours} h</b>\nSeguimientos: <b>{cadence}</b>\nLa solicitud de un/a mentorado/a "
        "a un/a mentor/a espera: <b>{expiry} h</b>\n\nToca para cambiar."
    ),
    "programme.expiry": "⏳ {hours} h",
    "programme.view.invites": "🔗 Enlaces de invitación",
    "programme.view.weights": "⚖️ Pesos del emparejamiento",
    "programme.view.main": "⬅️ Volver a la configuración",
    "programme.invites": (
        "🔗 <b>{name}</b>: enlaces de invitación\n{links}\n\nUn enlace nuevo anula el "
        "anterior; un enlace desactivado no deja entrar a nadie hasta que crees uno nuevo."
    ),
    "programme.disable": "Desactivar enlace de {role}",
    "weights.card": (
        "⚖️ <b>{name}</b>: cuánto cuenta cada preferencia al sugerir y emparejar "
        "mentores\n{lines}\n\nCompartir un idioma siempre es obligatorio. Los cambios se "
        "aplican a las próximas sugerencias y a /match."
    ),
    "weights.line": "• {weight}: <b>{level}</b>",
    "weights.level.off": "desactivado",
    "weights.level.low": "la mitad",
    "weights.level.normal": "normal",
    "weights.level.high": "el doble",
    "weights.field": "Misma área",
    "weights.interest": "Intereses en común",
    "weights.timezone": "Horas de diferencia",
    "weights.stage_gap": "Ajuste de experiencia",
    "weights.capacity": "Plazas libres",
    "weights.button.off": "{weight}: no",
    "weights.button.low": "½",
    "weights.button.normal": "×1",
    "weights.button.high": "×2",
    "programme.mode.coordinator": "por coordinación",
    "programme.mode.choice": "eligen los mentorados",
    "programme.mode.batch": "automático, cada día",
    "programme.cadence.weekly": "semanal",
    "programme.cadence.fortnightly": "quincenal",
    "programme.cadence.monthly": "mensual",
    "programme.rotate": "Nuevo enlace de {role}",
    "programme.rotated": "🔗 Nuevos enlaces de invitación (el anterior ya no funciona):\n{links}",
    "programme.saved": "Guardado.",
    "cmd.programme": "Ajustes y enlaces del programa (coordinación)",
    # -- exclusions: /exclude and /exclusions --
    "cmd.exclude": "No emparejar nunca a un mentorado con un mentor (coordinación)",
    "cmd.exclusions": "Ver y quitar exclusiones (coordinación)",
    "exclusion.pick_mentee": (
        "Separar a dos personas en <b>{programme}</b>. Primero toca al mentorado/a:"
    ),
    "exclusion.no_mentees": "<b>{programme}</b> aún no tiene mentorados.",
    "exclusion.pick_mentor": "¿Qué mentor/a no debe emparejarse nunca con <b>{name}</b>?",
    "exclusion.no_mentors": "No queda ningún mentor/a que excluir para <b>{name}</b>.",
    "exclusion.confirm": (
        "¿No emparejar nunca a <b>{mentee}</b> con <b>{mentor}</b> en {programme}? /pair, "
        "/match y /findmentor no los propondrán juntos."
    ),
    "exclusion.yes": "🚫 No emparejarlos nunca",
    "exclusion.no": "Cancelar",
    "exclusion.cancelled": "No cambió nada.",
    "exclusion.done": "🚫 {mentee} y {mentor} no se emparejarán nunca en {programme}.",
    "exclusion.paired_now": (
        "⚠️ Ahora mismo son pareja: esa pareja sigue hasta que la termines con /unpair."
    ),
    "exclusion.list": (
        "🚫 Nunca en pareja en <b>{programme}</b>:\n{lines}\n\nToca un número para quitar esa "
        "exclusión."
    ),
    "exclusion.line": "{n}. {mentee} ↮ {mentor}",
    "exclusion.more": "…y {count} más (quita alguna para verlas).",
    "exclusion.remove": "✖️ {n}",
    "exclusion.none": "No hay exclusiones en <b>{programme}</b>. /exclude añade una.",
    "exclusion.removed": "Quitada: ya pueden emparejarse de nuevo.",
    "exclusion.gone": "Esa exclusión ya se había quitado.",
}
