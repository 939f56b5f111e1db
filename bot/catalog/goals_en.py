"""English messages for the goals feature (merged into the en catalog by ``bot.i18n``)."""

MESSAGES: dict[str, str] = {
    "cmd.goals": "Set and follow SMART goals",
    "goals.not_for_you": "/goals is for mentees and their mentors.",
    # -- setting a goal --
    "goals.intro": "🎯 Let's set a goal: four short questions. /cancel stops at any time.",
    "goals.ask.what": "1/4 <b>What</b> do you want to achieve? One sentence, e.g. “Present a case at the regional meeting”.",  # noqa: E501
    "goals.ask.measure": "2/4 How will you <b>know it is done</b>? e.g. “I presented it and got feedback from two seniors”.",  # noqa: E501
    "goals.ask.due": "3/4 <b>By when</b>? Write a date as day/month/year (31/03/2027), as 2027-03-31, or in words (31 March 2027).",  # noqa: E501
    "goals.ask.first_step": "4/4 What is your <b>first step</b>, something you can do this week?",
    "goals.date.format": "I could not read that as a date. Please write day/month/year, e.g. 31/03/2027, or 2027-03-31, or 31 March 2027.",  # noqa: E501
    "goals.date.no_such_day": "That day does not exist in the calendar: please check the day and the month, and write it as day/month/year, e.g. 31/03/2027.",  # noqa: E501
    "goals.date.past": "That date is not in the future. Please pick a day between {earliest} and {latest} (day/month/year).",  # noqa: E501
    "goals.date.too_far": "That is more than two years away: a goal works best closer. Please pick a day between {earliest} and {latest} (day/month/year).",  # noqa: E501
    "goals.created": "✅ Goal saved!\n\n{card}\n\nI will remind you before the deadline. /goals shows your goals.",  # noqa: E501
    # -- a goal, a list of goals --
    "goals.card": "🎯 <b>{what}</b>\nDone when: {measure}\nDue: {due}\nFirst step: {first_step}\nProgress: {progress} %",  # noqa: E501
    "goals.card.note": "📝 {note}",
    "goals.line.active": "• <b>{what}</b> — {progress} % · due {due}",
    "goals.line.done": "✅ {what}",
    "goals.mine.title": "🎯 <b>Your goals</b> (tap one to update it)",
    "goals.new": "➕ New goal",
    "goals.mentees": "👥 My mentees' goals",
    "goals.open": "Open the goal",
    # -- updating --
    "goals.progress_button": "{progress} %",
    "goals.note": "📝 Add a note",
    "goals.done": "✅ Done",
    "goals.drop": "🗑 Drop",
    "goals.progress_saved": "📈 “{what}”: {progress} %. Keep going!",
    "goals.done_saved": "🎉 Well done! “{what}” is done.",
    "goals.ask.note": "Write your note about “{what}”: how is it going, what is in the way?",
    "goals.note_saved": "📝 Note saved. Your mentor sees it with the goal.",
    "goals.drop.confirm": "Drop “{what}”? It will no longer be listed or reminded.",
    "goals.drop.yes": "Yes, drop it",
    "goals.drop.no": "Keep it",
    "goals.dropped": "🗑 Dropped “{what}”.",
    "goals.kept": "👍 Kept. Good luck with it!",
    # -- mentors --
    "goals.mentor.none": "You have no mentees right now, so there are no goals to see.",
    "goals.mentor.pick": "Whose goals do you want to see?",
    "goals.mentor.title": "🎯 <b>Goals of {name}</b> (tap one to comment)",
    "goals.mentor.empty": "{name} has not set a goal yet. Maybe suggest one?",
    "goals.comment_button": "💬 {what}",
    "goals.ask.comment": "Write your comment for {name} about “{what}”.",
    "goals.comment_sent": "💬 Sent to {name}.",
    # -- sent to the other side --
    "goals.comment_for_mentee": "💬 {name} commented on your goal “{what}”:\n{comment}",
    "goals.new_for_mentor": "🎯 {name} set a new goal: “{what}”. /goals shows it.",
    "goals.done_for_mentor": "🎉 {name} reached a goal: “{what}”! A word from you would mean a lot: /goals.",  # noqa: E501
    "goals.reminder": "⏰ Your goal “{what}” is due on {due}. How is it going? Update your progress:",  # noqa: E501
    "goals.reminder_today": "⏰ Today is the day for your goal “{what}”. Is it done? Update it:",
    # -- refusals --
    "goals.refused.not_yours": "That goal is not one you can see or change.",
    "goals.refused.closed": "That goal is already finished or dropped.",
    "goals.refused.not_mentee": "Goals are for mentees: you are not a mentee in any programme.",
    "goals.refused.bad_progress": "That progress value is not one of the buttons.",
}
