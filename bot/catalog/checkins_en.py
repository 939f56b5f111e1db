"""English messages for the checkins feature (merged into the en catalog by ``bot.i18n``)."""

MESSAGES: dict[str, str] = {
    "cmd.checkin": "Answer or see your check-in",
    "cmd.settings": "Check-in day, time, quiet hours, pause",
    "checkins.pulse.ask": "🌱 <b>How was your week?</b> (1 = very hard, 5 = great)",
    "checkins.pulse.answered": "You said <b>{score}/5</b>. Tap another number to change it.",
    "checkins.score.1": "1",
    "checkins.score.2": "2",
    "checkins.score.3": "3",
    "checkins.score.4": "4",
    "checkins.score.5": "5",
    "checkins.score_saved": "Saved: {score}/5",
    "checkins.blocking.ask": (
        "Is anything blocking you? Write a few words or send a voice note — or skip."
    ),
    "checkins.blocking.skip": "Skip",
    "checkins.blocking.wellbeing": "It's about my wellbeing",
    "checkins.blocking.saved": "Thank you for telling us.",
    "checkins.blocking.skipped": "Nothing blocking: good.",
    "checkins.blocking.wellbeing_saved": (
        "Thank you for saying so. Your programme's coordinators will get in touch."
    ),
    "checkins.blocking.need_text": "Please write it or send a voice note — or tap Skip.",
    "checkins.reach_out.ask": "Would you like your mentor to reach out to you?",
    "checkins.reach_out.yes": "Yes, please",
    "checkins.reach_out.no": "No, thanks",
    "checkins.reach_out.told": "Your mentor has been asked to reach out. 🤝",
    "checkins.thanks": "Thank you! See you at the next check-in.",
    "checkins.pair.ask": "🤝 Did you and <b>{name}</b> talk this month?",
    "checkins.pair.answered.yes": "(you said: yes)",
    "checkins.pair.answered.not_yet": "(you said: not yet)",
    "checkins.pair.answered.need_help": "(you asked for help)",
    "checkins.pair.yes": "Yes",
    "checkins.pair.not_yet": "Not yet",
    "checkins.pair.need_help": "Need help",
    "checkins.pair.thanks": "Thanks, noted.",
    "checkins.pair.help_sent": "Your coordinators have been told and will help.",
    "checkins.seen": "Seen ✓",
    "checkins.seen_done": "Marked as seen.",
    "checkins.digest.title": "📋 <b>Your week as a mentor</b>",
    "checkins.digest.questions": "<b>Questions waiting for you</b>",
    "checkins.digest.question": "• {name} — waiting {days} day(s)",
    "checkins.digest.pulses": "<b>How your mentees feel</b>",
    "checkins.digest.pulse": "• {name}: {score}/5",
    "checkins.digest.goals": "<b>Goals due soon</b>",
    "checkins.digest.goal": "• {name}: {what} (by {due})",
    "checkins.digest.notes": "<b>Thank-you notes</b>",
    "checkins.digest.note": "• {name}: “{text}”",
    "checkins.digest.empty": "Nothing new this week.",
    "checkins.profile_reminder": (
        "Your profile is not finished yet. Send /profile to continue where you left off —"
        " it takes two minutes."
    ),
    "checkins.unmatched_coordinator": "⏳ {name} has been waiting for a mentor for {days} days.",
    "checkins.low_for_mentor": "🌱 {name} rated their week {score}/5. A short message may help.",
    "checkins.very_low_coordinator": (
        "⚠️ {name} rated their week 1/5 twice in a row. Please check in with them."
    ),
    "checkins.wellbeing_coordinator": "⚠️ {name} raised a wellbeing concern in their check-in.",
    "checkins.wellbeing_for_mentor": (
        "⚠️ {name} raised a wellbeing concern in their check-in; the coordinators know too."
    ),
    "checkins.reach_out_for_mentor": "🤝 {name} would like you to reach out.{blocking}",
    "checkins.reach_out_blocking": "\nWhat is blocking them: “{text}”",
    "checkins.need_help_coordinator": "🆘 {name} asked for help with their pair with {other}.",
    "checkins.refused.not_yours": "This check-in is not yours, or no longer open.",
    "checkins.refused.no_mentor": "You have no mentor at the moment.",
    "checkins.none": "There is no check-in for you right now.",
    "checkins.settings.title": "⚙️ <b>Your check-ins</b>",
    "checkins.settings.line": "<b>{label}:</b> {value}",
    "checkins.settings.next": "Next check-in: <b>{when}</b>",
    "checkins.settings.paused": "Check-ins are <b>paused</b>.",
    "checkins.settings.pause": "Pause",
    "checkins.settings.resume": "Resume",
}
