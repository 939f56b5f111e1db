"""The coordinator console through the real Application: ``/stats`` answers with numbers and a
PNG chart; ``/export`` sends a zip of CSV files with pseudonymous ids and no free text;
``/members`` lists people, deactivates and reactivates after a confirmation, and hands out the
co-coordinator link; every coordinator action lands in the audit log.
"""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.clock import ManualClock
from bot.i18n import t
from storage.models import (
    CheckIn,
    Flag,
    Goal,
    GoalNote,
    GoalStatus,
    GratitudeNote,
    Membership,
    Pairing,
    PairingOrigin,
    PairingStatus,
    Profile,
    Question,
    QuestionMessage,
    QuestionStatus,
    Role,
)
from tests.harness import BotHarness
from tests.test_broadcasts_bot import COORDINATOR, coordinator, seed_people

pytestmark = pytest.mark.asyncio

SECRET = "SECRET-FREE-TEXT"


async def _programme_life(bot: BotHarness, clock: ManualClock) -> tuple[int, list[int]]:
    """A programme with 3 mentees, 1 mentor, a pair, questions, check-ins, goals, notes, flags."""
    _carla, pid = await coordinator(bot)
    now = clock.now()
    mentees = await seed_people(bot.services.db, pid, 2000, 3, at=now)
    [mentor] = await seed_people(bot.services.db, pid, 3000, 1, role=Role.MENTOR, at=now)
    async with bot.services.db.session() as s:
        pair = Pairing(programme_id=pid, mentor_id=mentor, mentee_id=mentees[0],
                       status=PairingStatus.ACTIVE, origin=PairingOrigin.COORDINATOR,
                       reasons=[], started_at=now - timedelta(days=30),
                       end_reason=SECRET)  # fmt: skip
        s.add(pair)
        await s.flush()
        for n, hours in enumerate((2, 4, None)):
            asked = now - timedelta(days=7 * n + 1)
            answered = asked + timedelta(hours=hours) if hours else None
            question = Question(
                programme_id=pid, pairing_id=pair.id, mentee_id=mentees[0], mentor_id=mentor,
                status=QuestionStatus.ANSWERED if hours else QuestionStatus.OPEN,
                created_at=asked, answered_at=answered,
            )  # fmt: skip
            s.add(question)
            await s.flush()
            s.add(QuestionMessage(question_id=question.id, author_id=mentees[0], kind="text",
                                  text=SECRET, created_at=asked))  # fmt: skip
        for n, answered in enumerate((True, False)):
            s.add(CheckIn(person_id=mentees[n], programme_id=pid, kind="pulse", period="W1",
                          local_day=now.date(), sent_at=now,
                          answered_at=now if answered else None, score=4 if answered else None,
                          blocking=SECRET, details={}))  # fmt: skip
        goal = Goal(programme_id=pid, mentee_id=mentees[0], what=SECRET, measure=SECRET,
                    due_on=(now + timedelta(days=30)).date(), first_step=SECRET, progress=100,
                    status=GoalStatus.DONE, created_at=now, updated_at=now,
                    done_at=now)  # fmt: skip
        s.add(goal)
        await s.flush()
        s.add(GoalNote(goal_id=goal.id, author_id=mentees[0], kind="note", text=SECRET,
                       created_at=now))  # fmt: skip
        s.add(GratitudeNote(programme_id=pid, sender_id=mentees[0], recipient_id=mentor,
                            text=SECRET, created_at=now))  # fmt: skip
        s.add(Flag(programme_id=pid, person_id=mentees[1], kind="wellbeing", raised_at=now,
                   details={}))  # fmt: skip
    return pid, mentees


async def test_stats_give_numbers_and_a_chart(bot: BotHarness, clock: ManualClock) -> None:
    await _programme_life(bot, clock)
    carla = bot.fake.user(COORDINATOR, "Carla")
    await carla.send("/stats")
    text = await carla.receive_text()
    for fragment in ("Mentees 3 · mentors 1 · coordinators 1", "Active pairs 1",
                     "mentees without a mentor 2", "Questions 3 · answered 2",
                     "median answer time 3.0 h",
                     "answered 50 %", "Goals 1 · done 1", "Thank-you notes 1",
                     "wellbeing: 1"):  # fmt: skip
        assert fragment in text, (fragment, text)
    chart = await carla.receive(timeout=15)
    assert chart.kind == "photo"
    upload = bot.fake.calls_to("sendPhoto")[-1].params["photo"]
    assert upload.data.startswith(b"\x89PNG")


async def test_the_export_is_pseudonymous_and_has_no_free_text(
    bot: BotHarness, clock: ManualClock
) -> None:
    pid, mentees = await _programme_life(bot, clock)
    carla = bot.fake.user(COORDINATOR, "Carla")
    archives = []
    for _ in range(2):
        await carla.send("/export")
        document = await carla.receive(timeout=10)
        assert document.kind == "document"
        archives.append(bot.fake.calls_to("sendDocument")[-1].params["document"].data)
    assert archives[0] == archives[1]  # stable pseudonyms: two exports agree
    with zipfile.ZipFile(io.BytesIO(archives[0])) as archive:
        names = sorted(archive.namelist())
        tables = {n: archive.read(n).decode() for n in names}
    assert names == ["checkins.csv", "goals.csv", "pairs.csv", "participants.csv",
                     "questions.csv"]  # fmt: skip
    everything = "\n".join(tables.values())
    assert SECRET not in everything and "P2000" not in everything
    questions = list(csv.DictReader(io.StringIO(tables["questions.csv"])))
    assert sorted(q["answer_seconds"] for q in questions) == ["", "14400", "7200"]
    participants = list(csv.DictReader(io.StringIO(tables["participants.csv"])))
    mentee = questions[0]["mentee"]
    assert len(mentee) == 16 and mentee not in (str(m) for m in mentees)
    assert {p["person"] for p in participants} >= {mentee}
    goals = list(csv.DictReader(io.StringIO(tables["goals.csv"])))
    assert goals[0]["notes"] == "1" and goals[0]["status"] == "done"
    audit = await bot.services.console.audit_log(COORDINATOR, pid)
    assert [a for a, _ in audit] == ["export", "export"]


async def test_members_are_deactivated_and_reactivated_with_a_confirmation(
    bot: BotHarness, clock: ManualClock
) -> None:
    pid, mentees = await _programme_life(bot, clock)
    carla = bot.fake.user(COORDINATOR, "Carla")
    await carla.send("/members")
    listing = await carla.receive()
    assert "5 members" in (listing.text or "") and "P2001 · mentee" in (listing.text or "")
    await carla.press(t("en", "members.deactivate", name="P2001"), message=listing)
    confirm = await carla.receive()
    await carla.press(t("en", "members.yes"), message=confirm)
    await carla.wait_edited(confirm)
    assert confirm.text == t("en", "members.deactivated", name="P2001")
    draft = await bot.services.broadcasts.draft(COORDINATOR, "Hi")
    view = await bot.services.broadcasts.choose_audience(COORDINATOR, draft.id, pid, "mentees")
    assert view.recipients == 2  # the deactivated mentee is out of every audience
    await carla.send("/members")
    again = await carla.receive()
    assert "P2001 · mentee · reachable · deactivated" in (again.text or "")
    await carla.press(t("en", "members.reactivate", name="P2001"), message=again)
    await carla.press(t("en", "members.yes"), message=await carla.receive())
    async with bot.services.db.read() as s:
        states = list(await s.scalars(select(Membership.deactivated_at).where(
            Membership.person_id == mentees[1])))  # fmt: skip
    assert states == [None]

    await carla.press(t("en", "members.invite"), message=again)
    invite = await carla.receive_text()
    code = invite.rsplit("start=", 1)[1]
    dora = bot.fake.user(950, "Dora")
    await dora.send(f"/start {code}")
    await dora.receive()
    await dora.press(t("en", "consent.yes"))
    person = await bot.services.people.lookup(950)
    assert person is not None and Role.COORDINATOR in person.roles
    audit = await bot.services.console.audit_log(COORDINATOR, pid)
    assert [a for a, _ in audit] == ["deactivate", "reactivate", "coordinator_invite"]
    assert audit[0][1] == mentees[1]


async def test_pairing_actions_are_audited(bot: BotHarness, clock: ManualClock) -> None:
    _carla, pid = await coordinator(bot)
    [mentee] = await seed_people(bot.services.db, pid, 2000, 1, at=clock.now())
    [mentor] = await seed_people(bot.services.db, pid, 3000, 1, role=Role.MENTOR,
                                 at=clock.now())  # fmt: skip
    async with bot.services.db.session() as s:
        for person, capacity in ((mentor, 3), (mentee, None)):
            s.add(Profile(person_id=person, capacity=capacity, interests=[], languages=["es"],
                          updated_at=clock.now()))  # fmt: skip
    pairing = await bot.services.pairing.pair(COORDINATOR, pid, mentor, mentee)
    await bot.services.pairing.end(COORDINATOR, pairing.id, reason="", rating=None)
    await bot.services.pairing.exclude(COORDINATOR, pid, mentor, mentee)
    audit = await bot.services.console.audit_log(COORDINATOR, pid)
    assert audit == [("pair", mentee), ("unpair", mentee), ("exclude", mentee)]
