"""English messages (the reference catalog: every key must also exist in Spanish).

Telegram HTML; ``{name}`` placeholders are filled (and escaped) by ``bot.i18n.t``.
"""

MESSAGES: dict[str, str] = {
    # -- commands (menu and /help) --
    "cmd.start": "Join, or continue where you left off",
    "cmd.help": "What I can do for you",
    "cmd.profile": "See and edit your profile",
    "cmd.language": "Change language",
    "cmd.pause": "Pause check-ins and requests",
    "cmd.resume": "Resume after a pause",
    "cmd.cancel": "Stop what we are doing",
    "cmd.deletemydata": "Delete everything about you",
    # -- start and consent --
    "start.privacy": (
        "👋 <b>Welcome to Preceptor</b>, a mentoring companion for health trainees.\n\n"
        "<b>Privacy in short</b>\n"
        "• I keep your Telegram id, the name you give me, your profile and what you send "
        "through me, only to run the mentoring programme.\n"
        "• Your mentor or mentee never sees your phone number or username.\n"
        "• Coordinators see numbers, not your messages.\n"
        "• /deletemydata erases everything, at any time.\n\n"
        "Do you agree?"
    ),
    "consent.yes": "✅ I agree",
    "consent.no": "No thanks",
    "consent.thanks": "✅ Thank you. Let's set up your profile: it takes about two minutes.",
    "consent.declined": (
        "No problem: nothing about you was stored. Send /start whenever you change your mind."
    ),
    "consent.use_buttons": "Please tap <b>I agree</b> or <b>No thanks</b> under my last message.",
    "start.bad_invite": (
        "⚠️ That invite link is not valid (any more). You can still join: ask your coordinator "
        "for a new link if you were invited to a specific programme."
    ),
    "start.joined": "🎉 You joined <b>{programme}</b> as {role}.",
    "start.first": "Please send /start first, so we can get you set up.",
    "start.welcome_back": "Welcome back, {name}! /help lists what you can do.",
    # -- roles --
    "role.mentee": "mentee",
    "role.mentor": "mentor",
    "role.coordinator": "coordinator",
    "q.role": "Are you here to be mentored, or to mentor others?",
    "role.mentee.pick": "🎓 I want a mentor",
    "role.mentor.pick": "🩺 I want to mentor",
    "role.chosen": "✅ You are a {role}.",
    # -- profile questions --
    "q.progress": "<i>({n}/{total})</i> ",
    "q.name": "What should I call you? Type your name, as you'd like others to see it.",
    "q.name.use": "Use “{name}”",
    "q.field": "Your field or specialty? Tap one, or type your own.",
    "q.stage": "Your stage?",
    "q.stage.mentee": "Where are you in your training?",
    "q.stage.mentor": "How much experience do you have?",
    "q.interests": "What would you like to talk about? Tap all that apply, then <b>Done</b>.",
    "q.languages": "Which languages can you mentor or be mentored in? Tap all, then <b>Done</b>.",
    "q.bio": (
        "A few words about yourself for your mentor or mentee (up to 500 characters), "
        "or tap <b>Skip</b>."
    ),
    "q.bio.skip": "Skip",
    "q.capacity": "How many mentees can you take at the same time?",
    "q.timezone": (
        "Where are you? Type your city or country (e.g. <i>Lima</i>, <i>Kenya</i>) or your UTC "
        "offset (e.g. <i>UTC-5</i>), so I write to you at sensible hours."
    ),
    "q.day": "Which day suits you best for a weekly check-in?",
    "q.hour": "At what time (your local time)?",
    "q.quiet": "When should I never write to you (quiet hours)?",
    "q.done": "✔️ Done",
    "q.pick_one": "Please pick at least one first.",
    "answered": "{question}: <b>{answer}</b>",
    "onboarding.done": (
        "🎉 All set, {name}! Your profile is complete.\n\nHere is what you can do:\n{commands}"
    ),
    # -- profile labels (card and confirmations) --
    "label.name": "Name",
    "label.field": "Field",
    "label.stage": "Stage",
    "label.interests": "Interests",
    "label.languages": "Languages",
    "label.bio": "About you",
    "label.capacity": "Mentees at once",
    "label.timezone": "Timezone",
    "label.day": "Check-in day",
    "label.hour": "Check-in time",
    "label.quiet": "Quiet hours",
    "profile.title": "👤 <b>Your profile</b> ({roles})\nTap a button to change that part.\n",
    "profile.no_bio": "(none)",
    "profile.paused": "\n⏸ Paused: send /resume to receive check-ins again.",
    # -- choices --
    "field.family_medicine": "Family medicine",
    "field.internal_medicine": "Internal medicine",
    "field.paediatrics": "Paediatrics",
    "field.surgery": "Surgery",
    "field.obgyn": "Obstetrics & gynaecology",
    "field.psychiatry": "Psychiatry",
    "field.emergency": "Emergency medicine",
    "field.anaesthesia": "Anaesthesia",
    "field.public_health": "Public health",
    "field.nursing": "Nursing",
    "field.midwifery": "Midwifery",
    "field.pharmacy": "Pharmacy",
    "stage.student_early": "Student, early years",
    "stage.student_late": "Student, clinical years",
    "stage.intern": "Intern",
    "stage.resident": "Resident",
    "stage.fellow": "Fellow",
    "stage.senior_trainee": "Senior trainee",
    "stage.years_0_5": "Under 5 years in practice",
    "stage.years_5_10": "5–10 years",
    "stage.years_10_20": "10–20 years",
    "stage.years_20_plus": "Over 20 years",
    "interest.clinical_skills": "Clinical skills",
    "interest.research": "Research",
    "interest.career": "Career planning",
    "interest.rural_practice": "Rural practice",
    "interest.wellbeing": "Wellbeing",
    "interest.teaching": "Teaching",
    "interest.leadership": "Leadership",
    "interest.global_health": "Global health",
    "interest.exams": "Exams",
    "interest.work_life": "Work–life balance",
    "spoken.en": "English",
    "spoken.es": "Spanish",
    "spoken.pt": "Portuguese",
    "spoken.fr": "French",
    "spoken.qu": "Quechua",
    "spoken.sw": "Swahili",
    "day.0": "Monday",
    "day.1": "Tuesday",
    "day.2": "Wednesday",
    "day.3": "Thursday",
    "day.4": "Friday",
    "day.5": "Saturday",
    "day.6": "Sunday",
    "quiet.22-7": "22:00 – 07:00",
    "quiet.21-8": "21:00 – 08:00",
    "quiet.23-6": "23:00 – 06:00",
    "quiet.0-0": "No quiet hours",
    # -- timezone --
    "tz.confirm": "I found <b>{zone}</b>: it is {time} there now. Is that right?",
    "tz.yes": "✅ Yes",
    "tz.no": "No, let me retype",
    "tz.none": "None of these: let me retype",
    "tz.pick": "That place has several timezones. Which one is yours?",
    "tz.retry": "OK, let's try again.",
    "tz.unknown": (
        "🤔 I could not find that place. Try a nearby big city (<i>Cusco</i>, <i>Nairobi</i>), "
        "a country (<i>Peru</i>) or a UTC offset (<i>UTC-5</i>, <i>+05:30</i>)."
    ),
    # -- bad input --
    "invalid.empty": "That was empty.",
    "invalid.too_long": "That is too long: at most {maximum} characters (you sent {length}).",
    "invalid.no_letters": "Please use words: emoji or numbers alone are not enough here.",
    "invalid.need_text": "I need a typed answer here, not a picture or a file.",
    "invalid.use_buttons": "Please answer with one of the buttons below.",
    "stale_button": "This button is from an older message and no longer works. Please use the latest one.",  # noqa: E501
    "unknown.command": "I don't know {command}. /help lists what I can do.",
    "unknown.message": "I'm not sure what to do with that. /help lists what I can do.",
    "group.private_only": (
        "Hi! I only work in private chats, to keep conversations confidential. "
        "Message me directly: @{bot}"
    ),
    "error.generic": "😕 Something went wrong on my side. Please try again in a moment.",
    # -- help, cancel --
    "help.newcomer": "I connect health trainees with mentors. Send /start to join.\n\n{commands}",
    "help.member": "Here is what you can do:\n{commands}",
    "cancel.done": "Stopped. Nothing you already saved is lost.",
    "cancel.onboarding": "Paused your set-up. Your answers are kept: /start continues from here.",
    "cancel.nothing": "There is nothing to cancel right now.",
    # -- language, pause --
    "language.name": "English",
    "language.ask": "Which language do you prefer?",
    "language.set": "✅ I will speak English with you.",
    "pause.on": "⏸ Paused. No check-ins or new requests until you send /resume.",
    "pause.off": "▶️ Welcome back! Check-ins start again.",
    # -- deletion --
    "delete.ask": (
        "⚠️ This deletes your profile, your answers and everything you sent through me, "
        "for good. Programme statistics keep only an anonymous count. Delete everything?"
    ),
    "delete.yes": "🗑 Yes, delete everything",
    "delete.no": "No, keep my data",
    "delete.done": (
        "🗑 Done: everything about you is deleted. Send /start if you ever want to return."
    ),
    "delete.kept": "OK, nothing was deleted.",
    "delete.nothing": "I have no data about you. Nothing to delete.",
    # -- delivery (outbox) --
    "outbox.someone": "A participant (#{id})",
    "outbox.blocked_notice": (
        "⚠️ {name} blocked the bot, so my messages no longer reach them. "
        "If you can, get in touch another way."
    ),
    # -- programmes (coordinators) --
    "coordinator.only": "This command is for programme coordinators.",
    "programme.name_needed": (
        "Please give the programme a name, e.g. /newprogram Rural Paediatrics 2027"
    ),
    "programme.created": "✅ Programme <b>{name}</b> created. Share these invite links:\n{links}",
    "programme.heading": "{name}",
    "programme.invite_line": "• {role}: {link}",
    "programme.disabled": "(disabled)",
    # -- pairs --
    "pairs.no_mentor": (
        "You have no mentor yet. Your coordinator will pair you soon, and I will introduce "
        "you as soon as it happens."
    ),
    "pairs.no_mentees": (
        "You have no mentees yet. I will introduce each one as soon as you are paired."
    ),
    "pairs.my_mentor": "🤝 <b>Your mentor</b>",
    "pairs.my_mentees": "🤝 <b>Your mentees</b>",
    "pairs.line": "• {name} ({programme})",
    "pair.intro.mentee": "🤝 Meet your mentor, <b>{name}</b>!",
    "pair.intro.mentor": "🤝 You have a new mentee, <b>{name}</b>!",
    "pair.intro.facts": "{facts}",
    "pair.intro.bio": "<i>“{bio}”</i>",
    "pair.intro.reasons": "Why you two: {reasons}",
    "pair.intro.ask.mentee": (
        "❓ To ask {name} something, send /ask, then your question: text, a voice note or a photo."
    ),
    "pair.intro.ask.mentor": (
        "❓ {name}'s questions reach you here. Tap {reply} under one (or just reply to it) and "
        "write or send a voice note."
    ),
    "pair.intro.expect.mentee": (
        "⏳ {name} will try to answer within {hours} h. I'll ask how you are doing {cadence}: "
        "one tap is enough."
    ),
    "pair.intro.expect.mentor": (
        "⏳ Please answer within {hours} h if you can; a short reply helps a lot. I'll send "
        "you a short update {cadence}."
    ),
    "pair.intro.cadence.weekly": "every week",
    "pair.intro.cadence.fortnightly": "every two weeks",
    "pair.intro.cadence.monthly": "every month",
    "pair.ended.mentee": (
        "Your mentoring pair has ended. Thank you for the time you spent together. "
        "You are back on the waiting list: your coordinator has been told and will pair you "
        "with a new mentor."
    ),
    "pair.ended.mentee_offer": (
        "Your mentoring pair has ended. Thank you for the time you spent together.\n\n{offer}"
    ),
    "pair.ended.mentor": (
        "One of your mentoring pairs has ended. Thank you for your time and care."
    ),
    "cmd.newprogram": "Create a programme (coordinators)",
    "cmd.invites": "Show invite links (coordinators)",
    "cmd.mymentor": "Who mentors me",
    "cmd.mymentees": "Whom I mentor",
    # -- match reasons --
    "reason.same_field": "both in {field}",
    "reason.languages": "both speak {languages}",
    "reason.interests": "shared interests: {interests}",
    "reason.hours_apart": "{hours} h apart",
    "reason.places_left": "{places} places left",
    # -- coordinator pairing --
    "pair.pick_programme": "Which programme?",
    "pair.pick_mentee": "Who needs a mentor in <b>{programme}</b>? Tap a mentee:",
    "pair.nobody_waiting": "Every mentee in <b>{programme}</b> has a mentor. 🎉",
    "pair.pick_mentor": "Best mentors for <b>{name}</b>:\n{lines}\n\nTap one to pair them.",
    "pair.suggestion_line": "{n}. <b>{name}</b>: {reasons}",
    "pair.no_mentors": "No mentor can take <b>{name}</b> right now (places, languages or rules).",
    "pair.done": "✅ {mentee} is now paired with {mentor}. Both have been introduced.",
    "pair.refused.not_members": "They are not a mentor and a mentee of this programme.",
    "pair.refused.has_mentor": "This mentee already has a mentor in this programme.",
    "pair.refused.no_capacity": "This mentor has no places left.",
    "pair.refused.away": "This mentor is away at the moment.",
    "pair.refused.paired_before": "These two were paired before.",
    "pair.refused.excluded": "A coordinator excluded this pair.",
    "pair.refused.unreachable": "One of them cannot be reached (they blocked the bot).",
    "pair.refused.not_yours": "That pair is not one you can change.",
    "pair.refused.already_ended": "That pair has already ended.",
    "pair.refused.bad_rating": "Please rate from 1 to 5.",
    "pair.refused.no_common_language": "These two have no language in common.",
    "pair.refused.stage_rule": (
        "This mentor is not senior enough for this mentee (peer-mentoring rule)."
    ),
    "pair.refused.same_person": "Nobody can be their own mentor.",
    "cmd.pair": "Pair a mentee with a mentor (coordinators)",
    # -- ending pairs --
    "endpair.pick": "Which pair do you want to end?",
    "endpair.none": "You have no active mentoring pair.",
    "unpair.none": "There are no active pairs in your programmes.",
    "endpair.rate": "How was it? Rate it from 1 (poor) to 5 (excellent):",
    "endpair.reason": "What is the main reason for ending?",
    "endreason.finished": "The programme finished",
    "endreason.no_fit": "Not a good fit",
    "endreason.no_time": "No time at the moment",
    "endreason.other": "Another reason",
    "endpair.done": (
        "The pair {mentee} ↔ {mentor} has ended. Thank you; the other side has been told kindly."
    ),
    "cmd.endpair": "End my mentoring pair",
    "cmd.unpair": "End a pair (coordinators)",
    "end.rate_coordinator": (
        "How did this pair go, as far as you know? Rate it from 1 (poor) to 5 (excellent), or "
        "skip:"
    ),
    "end.skip": "Skip",
    "end.offer.choose": (
        "Mentors who could guide you next:\n{lines}\n\nTap one to ask them to mentor you."
    ),
    "end.offer.nobody": (
        "No other mentor has a free place that fits you right now. Your coordinator has been "
        "told; /findmentor shows new mentors as places open."
    ),
    "end.offer.find": "/findmentor shows the mentors who could guide you next.",
    "end.offer.waiting": (
        "You are back on the waiting list: your coordinator has been told and will pair you "
        "with a new mentor."
    ),
    "end.offer.coordinator": (
        "⏳ <b>{mentee}</b> is waiting for a new mentor in {programme} (their pair with "
        "{mentor} has ended)."
    ),
    "end.offer.pair_now": "Pair {name} now",
    "pair.insist.ask": (
        "↩️ <b>{mentee}</b> and <b>{mentor}</b> were paired before; that pair ended on {date} "
        "(reason: {reason}; rating: {rating}).\n\nPair them again anyway? Both will be "
        "introduced again."
    ),
    "pair.insist.button": "Pair them again anyway",
    "pair.insist.previous": "↩️ {name} (paired before)",
    "pair.insist.rating": "{rating}/5",
    # -- away --
    "away.mentors_only": "/away is for mentors: it pauses new mentees for a while.",
    "away.ask": "Taking a break? I will not give you new mentees until the date you choose.",
    "away.7": "One week",
    "away.14": "Two weeks",
    "away.30": "One month",
    "away.back": "I'm back",
    "away.until": (
        "🌴 Away until {date}: no new mentees until then. /away again to come back early."
    ),
    "cmd.away": "Take a break from new mentees",
    "away.returned": "Welcome back! You can be paired with new mentees again.",
    # -- batch matching --
    "match.title": (
        "🧩 <b>{programme}</b>: {count} pairs proposed, total score {total} "
        "(the best total for everyone)."
    ),
    "match.pair": "• {mentee} ↔ {mentor} · <b>{score}</b>: {reasons}",
    "match.more": "…and {count} more.",
    "match.page": "Pairs {first}–{last} of {count}.",
    "match.previous": "◀️ Previous",
    "match.next": "Next ▶️",
    "match.skipped": "• {mentee} ↔ {mentor}: {reason}",
    "match.auto_done": (
        "🧩 Automatic matching in <b>{programme}</b>: {formed} new pairs formed and introduced; "
        "{waiting} mentees still wait. /match shows who waits and why."
    ),
    "match.unmatched_title": "\nStill without a mentor:",
    "match.unmatched": "• {name}: {reason}",
    "match.approve": "✅ Approve all",
    "match.change": "✏️ Change a pair",
    "match.pick_pair": "Which pair would you like to change?",
    "match.pick_mentor": "Another mentor for {name} (their best fits, with scores):",
    "match.leave_unmatched": "Leave unmatched for now",
    "match.back": "⬅️ Back to the preview",
    "match.cancel": "Cancel",
    "match.cancelled": "Cancelled: no pairs were formed.",
    "match.done": (
        "✅ {formed} pairs formed and introduced; {skipped} skipped because the "
        "rules changed meanwhile. Use /pair and /unpair to adjust single pairs."
    ),
    "unmatched.by_coordinator": "left unmatched by you",
    "unmatched.no_mentors": "no mentor has places",
    "unmatched.no_common_language": "no mentor shares a language",
    "unmatched.stage_rule": "no mentor senior enough",
    "unmatched.all_excluded": "every possible mentor is excluded or was paired before",
    "unmatched.poor_fit": "no good enough fit",
    "unmatched.no_capacity": "the fitting mentors are full",
    "cmd.match": "Propose pairs for everyone waiting (coordinators)",
    # -- mentee choice: /findmentor and requests --
    "findmentor.cards": "Mentors who fit you best:\n{lines}\n\nTap one to ask them to mentor you.",
    "findmentor.card": "{n}. <b>{name}</b>\n{facts}\n<i>{bio}</i>\nWhy: {reasons}",
    "findmentor.ask": "Ask {name}",
    "findmentor.sent": "📨 Request sent to {name}. I will tell you as soon as they answer.",
    "findmentor.nobody": (
        "No mentor has a free place that fits you right now. Try again in a few days, or ask "
        "your coordinator."
    ),
    "findmentor.has_mentor": "You already have a mentor in {programme}: /mymentor.",
    "findmentor.pending": (
        "You asked {name} already; wait for their answer (or for the request to expire) before "
        "asking someone else."
    ),
    "findmentor.pick_programme": "In which programme are you looking for a mentor?",
    "findmentor.not_member": "You are not a mentee of that programme.",
    "findmentor.not_choice": (
        "In your programme the coordinator pairs mentors and mentees: I will introduce you as "
        "soon as it happens."
    ),
    "request.new": (
        "🙋 <b>{name}</b> would like you as their mentor in {programme}. This request expires "
        "in {hours} h."
    ),
    "request.accept": "✅ Accept",
    "request.decline": "Decline",
    "request.ask_more": "Ask for more",
    "request.reminder": "⏰ {name} is still waiting for your answer to their request.",
    "request.declined": "{name} cannot take a new mentee right now.",
    "request.question": (
        "❓ <b>{name}</b> would like to know a bit more before deciding:\n\n<i>{question}</i>"
        "\n\nTap Reply to answer; your request stays open."
    ),
    "request.answer": "💬 <b>{name}</b> answers your question:\n\n<i>{answer}</i>",
    "request.reply": "↩️ Reply",
    "request.write.mentor": (
        "What would you like to know from {name}? Write it in one message (up to {limit} "
        "characters) and I will pass it on. /cancel to stop."
    ),
    "request.write.mentee": (
        "Write your answer to {name} in one message (up to {limit} characters) and I will "
        "pass it on. /cancel to stop."
    ),
    "request.sent.mentor": "📨 Your question is on its way to {name}. I will pass on the answer.",
    "request.sent.mentee": "📨 Your answer is on its way to {name}. Your request stays open.",
    "request.relay.not_text": (
        "Please write it as a text message (up to {limit} characters), so I can pass it on. "
        "/cancel to stop."
    ),
    "request.relay.empty": "That message is empty. Please write a few words. /cancel to stop.",
    "request.relay.too_long": (
        "That is {length} characters; please keep it to {limit} or fewer and send it again. "
        "/cancel to stop."
    ),
    "request.closed": "This request is no longer open: it was answered or it expired.",
    "request.expired": "Your request to {name} expired without an answer.",
    "request.nobody_left": (
        "No other mentor with a free place fits you right now. I have told your coordinator, "
        "who will help you find one."
    ),
    "request.stranded_coordinator": (
        "{mentee}'s request to {mentor} ended without a pair, and no other mentor with a free "
        "place fits {mentee} in {programme}. Please help them find a mentor."
    ),
    "request.unavailable": (
        "You cannot ask this mentor now: they may be full or away, or no longer a fit for you. "
        "/findmentor shows who you can ask."
    ),
    "request.away": (
        "You are away, so you cannot take a new mentee. Tap “{back}” in /away, then Accept "
        "again while the request is open."
    ),
    "request.expired_coordinator": (
        "{mentor} did not answer {mentee}'s request in time; {mentee} can choose another mentor."
    ),
    "request.done.accept": "✅ You are now {name}'s mentor. You have both been introduced.",
    "request.done.decline": "You declined {name}'s request. Thank you for answering.",
    "request.done.no_capacity": (
        "You have no free place left, so you cannot take {name} now. I have let them know, so "
        "they can choose another mentor."
    ),
    "request.done.has_mentor": "{name} got a mentor meanwhile, so this request is closed.",
    "request.done.not_allowed": (
        "{name}'s request can no longer be accepted, so it is closed. I have told them."
    ),
    "pair.refused.pending": "You already have a request waiting for an answer.",
    "cmd.findmentor": "Choose a mentor",
    # -- programme settings --
    "programme.settings": (
        "⚙️ <b>{name}</b>\nPairs are formed: <b>{mode}</b>\nExpected answer time: <b>{hours} "
        "h</b>\nCheck-ins: <b>{cadence}</b>\nA mentee's request to a mentor waits: "
        "<b>{expiry} h</b>\n\nTap to change."
    ),
    "programme.expiry": "⏳ {hours} h",
    "programme.view.invites": "🔗 Invite links",
    "programme.view.weights": "⚖️ Matching weights",
    "programme.view.main": "⬅️ Back to the settings",
    "programme.invites": (
        "🔗 <b>{name}</b>: invite links\n{links}\n\nA new link retires the old one; a "
        "disabled link lets nobody in until you make a new one."
    ),
    "programme.disable": "Disable {role} link",
    "weights.card": (
        "⚖️ <b>{name}</b>: how much each preference counts when mentors are suggested and "
        "matched\n{lines}\n\nA common language is always required. Changes apply to the "
        "next suggestions and /match."
    ),
    "weights.line": "• {weight}: <b>{level}</b>",
    "weights.level.off": "off",
    "weights.level.low": "half",
    "weights.level.normal": "normal",
    "weights.level.high": "double",
    "weights.field": "Same field",
    "weights.interest": "Shared interests",
    "weights.timezone": "Hours apart",
    "weights.stage_gap": "Seniority fit",
    "weights.capacity": "Places left",
    "weights.button.off": "{weight}: off",
    "weights.button.low": "½",
    "weights.button.normal": "×1",
    "weights.button.high": "×2",
    "programme.mode.coordinator": "by coordinators",
    "programme.mode.choice": "mentees choose",
    "programme.mode.batch": "automatic, daily",
    "programme.cadence.weekly": "weekly",
    "programme.cadence.fortnightly": "fortnightly",
    "programme.cadence.monthly": "monthly",
    "programme.rotate": "New {role} link",
    "programme.rotated": "🔗 New invite links (the old one no longer works):\n{links}",
    "programme.saved": "Saved.",
    "cmd.programme": "Programme settings and links (coordinators)",
    # -- exclusions: /exclude and /exclusions --
    "cmd.exclude": "Never pair a mentee with a mentor (coordinators)",
    "cmd.exclusions": "See and remove exclusions (coordinators)",
    "exclusion.pick_mentee": "Keep two people apart in <b>{programme}</b>. First tap the mentee:",
    "exclusion.no_mentees": "<b>{programme}</b> has no mentees yet.",
    "exclusion.pick_mentor": "Which mentor should never be paired with <b>{name}</b>?",
    "exclusion.no_mentors": "There is no mentor left to exclude for <b>{name}</b>.",
    "exclusion.confirm": (
        "Never pair <b>{mentee}</b> with <b>{mentor}</b> in {programme}? /pair, /match and "
        "/findmentor will not propose them together."
    ),
    "exclusion.yes": "🚫 Never pair them",
    "exclusion.no": "Cancel",
    "exclusion.cancelled": "Nothing changed.",
    "exclusion.done": "🚫 {mentee} and {mentor} will never be paired in {programme}.",
    "exclusion.paired_now": (
        "⚠️ They are paired right now: that pair goes on until you end it with /unpair."
    ),
    "exclusion.list": (
        "🚫 Never paired in <b>{programme}</b>:\n{lines}\n\nTap a number to remove that exclusion."
    ),
    "exclusion.line": "{n}. {mentee} ↮ {mentor}",
    "exclusion.more": "…and {count} more (remove some to see them).",
    "exclusion.remove": "✖️ {n}",
    "exclusion.none": "There are no exclusions in <b>{programme}</b>. /exclude adds one.",
    "exclusion.removed": "Removed: they may be paired again.",
    "exclusion.gone": "That exclusion was already removed.",
}
