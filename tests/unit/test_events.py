"""Meetings, webinars, reminders and calendar files, with a controllable clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiogram.methods import SendMessage
from icalendar import Calendar
from sqlalchemy import event as sql_event
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot import notices
from bot.i18n import Translator
from bot.services import events, files
from bot.services.audience import Audience
from bot.services.errors import AccessDenied, DomainError
from scheduler.delivery import DeliveryLoop
from storage.models import Attendance, Channel, Event, OutboxMessage, OutboxStatus, Role
from tests.support.people import load_schools, municipality_id, person, telegram_id
from tests.support.recording import recording_bot

MOSCOW = ZoneInfo("Europe/Moscow")
OFFSETS = (24 * 60, 60)


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=MOSCOW)


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        ("2026-11-22 12:00", ["2026-12-07", "2026-12-21", "2027-01-04", "2027-01-18"]),
        ("2026-12-07 10:00", ["2026-12-21", "2027-01-04", "2027-01-18", "2027-02-01"]),
        ("2027-02-01 09:59", ["2027-02-01", "2027-02-15", "2027-03-01", "2027-03-15"]),
        ("2028-02-07 11:00", ["2028-02-21", "2028-03-06", "2028-03-20", "2028-04-03"]),
    ],
)
def test_first_and_third_mondays_across_month_and_year_ends(
    after: str, expected: list[str]
) -> None:
    times = events.meeting_times(
        events.MEETING_DAYS, "10:00", MOSCOW, local(after), local(after) + timedelta(days=75)
    )
    assert [t.astimezone(MOSCOW).date().isoformat() for t in times[:4]] == expected
    assert all(t.astimezone(MOSCOW).strftime("%a %H:%M") == "Mon 10:00" for t in times)
    assert all(t.tzinfo == UTC for t in times)


async def test_materialising_is_idempotent(session: AsyncSession) -> None:
    await events.save_series(session, link="https://meet.example.org/org", local_time="10:00")
    now = local("2026-11-22 12:00")
    assert await events.materialise(session, MOSCOW, now, weeks=8) == 3  # 7 and 21 Dec, 4 Jan
    assert await events.materialise(session, MOSCOW, now, weeks=8) == 0
    starts = list(await session.scalars(select(Event.starts_at).order_by(Event.starts_at)))
    assert starts[0] == local("2026-12-07 10:00")
    assert starts[0] == datetime(2026, 12, 7, 7, 0, tzinfo=UTC)


async def test_a_bad_series_is_refused(session: AsyncSession) -> None:
    with pytest.raises(DomainError, match="event-bad-time"):
        await events.save_series(session, link="https://x.org", local_time="25:00")
    with pytest.raises(DomainError, match="event-bad-link"):
        await events.save_series(session, link="not a link")


async def webinar(session: AsyncSession, now: datetime, **audience: object) -> Event:
    return await events.create_webinar(
        session,
        None,
        title="Вебинар: анализ результатов ВПР",
        starts_at=local("2026-12-10 15:00"),
        link="https://webinar.example.org/1",
        now=now,
        audience=Audience(**audience),  # type: ignore[arg-type]
    )


async def test_reminders_at_24h_and_1h_each_sent_exactly_once(
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    translator: Translator,
) -> None:
    schools = await load_schools(session)
    director = await person(session, Role.DIRECTOR, schools=[schools["47001"]])
    await person(session, Role.CURATOR, schools=[schools["47101"]], name="Куратор Тосно")
    now = local("2026-12-08 12:00")
    found = await webinar(session, now, roles=(Role.DIRECTOR,))
    bot, recording = recording_bot()
    clock = {"now": now}
    loop = DeliveryLoop(bot, session_factory, rate=1000, clock=lambda: clock["now"])

    async def tick(at: str) -> int:
        clock["now"] = local(at)
        async with session_factory() as fresh:
            queued = await notices.send_reminders(fresh, translator, MOSCOW, clock["now"], OFFSETS)
        await loop.drain_once()
        return queued

    assert await tick("2026-12-09 14:58") == 0  # not yet
    assert await tick("2026-12-09 15:00") == 1  # T-24h, the director only
    assert await tick("2026-12-09 15:00") == 0  # once
    assert await tick("2026-12-10 13:59") == 0
    assert await tick("2026-12-10 14:00") == 1  # T-1h
    assert await tick("2026-12-10 14:30") == 0
    sent = [r for r in recording.requests if isinstance(r, SendMessage)]
    assert [int(r.chat_id) for r in sent] == [telegram_id(director)] * 2
    assert "Вебинар: анализ результатов ВПР" in sent[0].text
    assert "четверг, 10 декабря, 15:00 (МСК)" in sent[0].text
    assert "https://webinar.example.org/1" in sent[0].text
    await session.refresh(found)
    assert found.reminded == [60, 1440]


async def test_a_late_joiner_gets_only_the_reminders_ahead(
    session: AsyncSession, translator: Translator
) -> None:
    schools = await load_schools(session)
    now = local("2026-12-09 15:00")
    found = await webinar(session, now)
    await person(session, Role.DIRECTOR, schools=[schools["47001"]])
    await notices.send_reminders(session, translator, MOSCOW, now, OFFSETS)  # T-24h
    late = await person(session, Role.DIRECTOR, schools=[schools["47002"]], name="Поздний Иван")
    await notices.send_reminders(session, translator, MOSCOW, local("2026-12-10 14:00"), OFFSETS)
    references = {
        r.reference
        for r in await session.scalars(
            select(OutboxMessage).where(OutboxMessage.participant_id == late.id)
        )
    }
    assert references == {events.reminder_reference(found, 60)}


async def test_a_reminder_missed_while_down_is_sent_before_the_event_not_after(
    session: AsyncSession, translator: Translator
) -> None:
    schools = await load_schools(session)
    await person(session, Role.DIRECTOR, schools=[schools["47001"]])
    found = await webinar(session, local("2026-12-01 10:00"))
    # The bot was down from T-25h to T-30min: both reminders are due at once. One message
    # goes, with the time really left; not «завтра» and «через час» together.
    assert (
        await notices.send_reminders(
            session, translator, MOSCOW, local("2026-12-10 14:30"), OFFSETS
        )
        == 1
    )
    (row,) = list(await session.scalars(select(OutboxMessage)))
    assert row.expires_at == found.starts_at
    assert translator.get("ru", "reminder-in-minutes", minutes=30) in row.payload["text"]
    await session.refresh(found)
    assert found.reminded == [60, 1440]
    # After the start nothing new is planned.
    other = await webinar(session, local("2026-12-01 10:00"))
    assert (
        await notices.send_reminders(
            session, translator, MOSCOW, other.starts_at + timedelta(minutes=1), OFFSETS
        )
        == 0
    )


async def test_a_moved_event_reschedules_its_reminders_and_tells_the_audience(
    session: AsyncSession, translator: Translator
) -> None:
    schools = await load_schools(session)
    director = await person(session, Role.DIRECTOR, schools=[schools["47001"]])
    now = local("2026-12-08 12:00")
    found = await webinar(session, now)
    await notices.send_reminders(session, translator, MOSCOW, local("2026-12-09 15:00"), OFFSETS)
    notice = notices.change_notice(translator, MOSCOW)
    moved = await events.move(
        session, None, found.id, local("2026-12-17 15:00"), now, notice=notice
    )
    assert (moved.event.version, moved.event.reminded, moved.told) == (2, [], 1)
    rows = {r.reference: r for r in await session.scalars(select(OutboxMessage))}
    # The pending T-24h reminder of version 1 is withdrawn; a notice goes out.
    assert rows[f"event:{found.id}:v1:1440"].status == OutboxStatus.DROPPED
    told = rows[f"event:{found.id}:v2:scheduled"]
    assert told.participant_id == director.id
    assert "четверг, 17 декабря, 15:00" in told.payload["text"]
    # Reminders for the new time come at the new time.
    assert (
        await notices.send_reminders(
            session, translator, MOSCOW, local("2026-12-16 15:00"), OFFSETS
        )
        == 1
    )


async def test_cancel_and_answers(session: AsyncSession, translator: Translator) -> None:
    schools = await load_schools(session)
    director = await person(session, Role.DIRECTOR, schools=[schools["47001"]])
    tosno = await person(session, Role.DIRECTOR, schools=[schools["47101"]], name="Тосно Дир")
    now = local("2026-12-08 12:00")
    kirishi = await municipality_id(session, "Киришский")
    found = await webinar(session, now, municipality_ids=(kirishi,))
    await events.answer(session, director, found.id, Attendance.YES, now)
    await events.answer(session, director, found.id, Attendance.NO, now)  # changed the answer
    assert await events.answers_of(session, director, [found.id]) == {found.id: Attendance.NO}
    with pytest.raises(AccessDenied):  # not in the audience
        await events.answer(session, tosno, found.id, Attendance.YES, now)
    with pytest.raises(DomainError, match="event-started"):
        await events.answer(session, director, found.id, Attendance.YES, found.starts_at)
    cancelled = await events.cancel(
        session, None, found.id, notice=notices.change_notice(translator, MOSCOW)
    )
    assert cancelled.told == 1
    with pytest.raises(DomainError, match="event-cancelled"):
        await events.answer(session, director, found.id, Attendance.YES, now)


async def test_attendance_report_is_scoped(session: AsyncSession) -> None:
    schools = await load_schools(session)
    now = local("2026-12-08 12:00")
    director = await person(session, Role.DIRECTOR, schools=[schools["47001"]])
    await person(session, Role.DIRECTOR, schools=[schools["47002"]], name="Молчащий Директор")
    tosno = await person(session, Role.DIRECTOR, schools=[schools["47101"]], name="Тосно Дир")
    municipal = await person(session, Role.MUNICIPAL_COORDINATOR, municipality="Киришский")
    regional = await person(session, Role.REGIONAL_COORDINATOR)
    found = await webinar(session, now, roles=(Role.DIRECTOR,))
    await events.answer(session, director, found.id, Attendance.YES, now)
    await events.answer(session, tosno, found.id, Attendance.NO, now)

    regional_view = await events.attendance(session, regional, found.id)
    assert regional_view.by_municipality == {"Киришский": (1, 0, 1), "Тосненский": (0, 1, 0)}
    municipal_view = await events.attendance(session, municipal, found.id)
    assert municipal_view.by_municipality == {"Киришский": (1, 0, 1)}
    assert [p.full_name for p in municipal_view.silent] == ["Молчащий Директор"]
    with pytest.raises(AccessDenied):
        await events.attendance(session, director, found.id)


async def test_a_municipal_coordinator_makes_webinars_for_their_municipality_only(
    session: AsyncSession,
) -> None:
    await load_schools(session)
    municipal = await person(session, Role.MUNICIPAL_COORDINATOR, municipality="Киришский")
    tosno = await municipality_id(session, "Тосненский")
    found = await events.create_webinar(
        session,
        municipal,
        title="Муниципальный вебинар",
        starts_at=local("2026-12-10 15:00"),
        link="https://x.example.org",
        now=local("2026-12-01 10:00"),
        audience=Audience(municipality_ids=(tosno,)),
    )
    assert Audience.from_json(found.audience).municipality_ids == (municipal.municipality_id,)
    with pytest.raises(DomainError, match="event-in-past"):
        await webinar(session, local("2026-12-11 10:00"))


async def test_the_ics_file_carries_the_right_times(session: AsyncSession) -> None:
    found = await webinar(session, local("2026-12-01 10:00"))
    calendar = Calendar.from_ical(events.to_ics([found], MOSCOW, local("2026-12-01 10:00")))
    (entry,) = calendar.walk("VEVENT")
    assert str(entry["summary"]) == "Вебинар: анализ результатов ВПР"
    assert entry.decoded("dtstart") == local("2026-12-10 15:00")
    assert entry.decoded("dtstart").astimezone(UTC) == datetime(2026, 12, 10, 12, 0, tzinfo=UTC)
    assert entry.decoded("dtend") - entry.decoded("dtstart") == timedelta(minutes=90)
    assert str(entry["url"]) == "https://webinar.example.org/1"


async def test_the_weekly_digest_lists_this_weeks_events(
    session: AsyncSession, translator: Translator
) -> None:
    schools = await load_schools(session)
    reader = await person(session, Role.DIRECTOR, schools=[schools["47001"]])
    quiet = await person(session, Role.DIRECTOR, schools=[schools["47002"]], name="Без Дайджеста")
    await events.set_digest(session, quiet, False)
    await webinar(session, local("2026-12-01 10:00"))  # Thursday 10 December
    monday = local("2026-12-07 09:00")
    assert events.week_of(monday, MOSCOW)[2] == "2026-W50"
    assert await notices.send_digest(session, translator, MOSCOW, monday) == 1
    assert await notices.send_digest(session, translator, MOSCOW, monday) == 0  # once a week
    (row,) = list(await session.scalars(select(OutboxMessage)))
    assert row.participant_id == reader.id
    assert "Вебинар: анализ результатов ВПР" in row.payload["text"]


async def test_webinar_materials_go_with_the_reminders(
    session: AsyncSession, translator: Translator
) -> None:
    schools = await load_schools(session)
    await person(session, Role.DIRECTOR, schools=[schools["47001"]])
    kept = await files.keep(session, b"%PDF", name="plan.pdf", mime_type="application/pdf")
    await events.create_webinar(
        session,
        None,
        title="Вебинар с материалами",
        starts_at=local("2026-12-10 15:00"),
        link="https://w.example.org",
        now=local("2026-12-01 10:00"),
        materials_id=kept,
    )
    await notices.send_reminders(session, translator, MOSCOW, local("2026-12-09 15:00"), OFFSETS)
    (row,) = list(await session.scalars(select(OutboxMessage)))
    # The stored file by its id, never the bytes.
    assert row.payload["file"] == {
        "id": kept,
        "kind": "document",
        "missing": translator.get("ru", "file-missing"),
    }


def _entry(found: Event) -> tuple[Calendar, Any]:
    calendar = Calendar.from_ical(events.to_ics([found], MOSCOW, local("2026-12-01 10:00")))
    (entry,) = calendar.walk("VEVENT")
    return calendar, entry


async def test_the_ics_file_carries_its_time_zone(session: AsyncSession) -> None:
    found = await webinar(session, local("2026-12-01 10:00"))
    calendar, entry = _entry(found)
    (zone,) = calendar.walk("VTIMEZONE")
    assert str(zone["tzid"]) == "Europe/Moscow"
    assert entry["dtstart"].params["TZID"] == "Europe/Moscow"
    assert zone.walk("STANDARD")  # the offset a calendar needs to read the TZID
    assert entry.decoded("dtstamp") == local("2026-12-01 10:00")  # when the file was made


async def test_a_moved_event_keeps_its_uid_and_raises_its_sequence(
    session: AsyncSession, translator: Translator
) -> None:
    now = local("2026-12-01 10:00")
    found = await webinar(session, now)
    _, before = _entry(found)
    notice = notices.change_notice(translator, MOSCOW)
    moved = await events.move(
        session, None, found.id, local("2026-12-17 15:00"), now, notice=notice
    )
    _, after = _entry(moved.event)
    assert str(after["uid"]) == str(before["uid"])  # re-importing updates, not duplicates
    assert (int(before["sequence"]), int(after["sequence"])) == (1, 2)
    assert after.decoded("dtstart") == local("2026-12-17 15:00")


async def test_a_cancelled_events_file_says_cancelled(
    session: AsyncSession, translator: Translator
) -> None:
    found = await webinar(session, local("2026-12-01 10:00"))
    _, before = _entry(found)
    notice = notices.change_notice(translator, MOSCOW)
    cancelled = await events.cancel(session, None, found.id, notice=notice)
    _, after = _entry(cancelled.event)
    assert str(after["status"]) == "CANCELLED"
    assert str(after["uid"]) == str(before["uid"])
    assert int(after["sequence"]) > int(before["sequence"])  # so calendars take the change


async def reminder_texts(
    session: AsyncSession, translator: Translator, ticks: list[str], offsets: tuple[int, ...]
) -> list[str]:
    """The reminders queued at each tick, in order."""
    for at in ticks:
        await notices.send_reminders(session, translator, MOSCOW, local(at), offsets)
    rows = await session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "reminder").order_by(OutboxMessage.id)
    )
    return [str(row.payload["text"]) for row in rows]


async def test_a_webinar_created_30_minutes_ahead_gets_one_reminder_with_the_time_left(
    session: AsyncSession, translator: Translator
) -> None:
    schools = await load_schools(session)
    await person(session, Role.DIRECTOR, schools=[schools["47001"]])
    now = local("2026-12-10 14:30")
    await webinar(session, now)  # at 15:00: the reminders a day and an hour ahead are past
    texts = await reminder_texts(
        session, translator, ["2026-12-10 14:30", "2026-12-10 14:31", "2026-12-10 14:50"], OFFSETS
    )
    assert len(texts) == 1
    assert translator.get("ru", "reminder-in-minutes", minutes=30) in texts[0]
    assert "через 30 минут" in texts[0]
    assert "завтра" not in texts[0]
    assert "через час" not in texts[0]


@pytest.mark.parametrize(
    ("offsets", "created", "ticks", "expected"),
    [
        # 15 minutes is not «через час».
        ((15,), "2026-12-08 12:00", ["2026-12-10 14:45"], ["через 15 минут"]),
        ((60,), "2026-12-08 12:00", ["2026-12-10 14:00"], ["начало через час"]),
        # Three hours ahead is today, with the time.
        ((180,), "2026-12-08 12:00", ["2026-12-10 12:00"], ["сегодня в 15:00"]),
        (
            (24 * 60, 60),
            "2026-12-08 12:00",
            ["2026-12-09 15:00", "2026-12-10 14:00"],
            ["завтра в 15:00", "начало через час"],
        ),
        # Created in the morning for the afternoon: today, not tomorrow; then the hour.
        (
            (24 * 60, 60),
            "2026-12-10 09:00",
            ["2026-12-10 09:00", "2026-12-10 14:00"],
            ["сегодня в 15:00", "начало через час"],
        ),
        ((3 * 24 * 60,), "2026-12-01 12:00", ["2026-12-07 15:00"], ["через 3 дня"]),
    ],
)
async def test_a_reminder_says_the_time_really_left(
    session: AsyncSession,
    translator: Translator,
    offsets: tuple[int, ...],
    created: str,
    ticks: list[str],
    expected: list[str],
) -> None:
    schools = await load_schools(session)
    await person(session, Role.DIRECTOR, schools=[schools["47001"]])
    await webinar(session, local(created))
    texts = await reminder_texts(session, translator, ticks, offsets)
    assert len(texts) == len(expected)
    for text, words in zip(texts, expected, strict=True):
        assert words in text.splitlines()[0], text


async def test_tomorrow_is_the_next_day_in_the_bots_zone(
    session: AsyncSession, translator: Translator
) -> None:
    """00:20 on the 11th, reminded a day ahead at 00:20 on the 10th: «завтра»; a webinar
    created at 23:50 for 00:20 is half an hour away, not «завтра»."""
    schools = await load_schools(session)
    await person(session, Role.DIRECTOR, schools=[schools["47001"]])
    await events.create_webinar(
        session,
        None,
        title="Ночной вебинар",
        starts_at=local("2026-12-11 00:20"),
        link="https://w.example.org/n",
        now=local("2026-12-01 10:00"),
    )
    await events.create_webinar(
        session,
        None,
        title="Вебинар после полуночи",
        starts_at=local("2026-12-12 00:20"),
        link="https://w.example.org/m",
        now=local("2026-12-11 23:50"),
    )
    texts = await reminder_texts(
        session, translator, ["2026-12-10 00:20", "2026-12-11 23:50"], OFFSETS
    )
    assert [text.splitlines()[0] for text in texts] == [
        "⏰ " + translator.get("ru", "reminder-tomorrow", time="00:20"),
        "⏰ " + translator.get("ru", "reminder-in-minutes", minutes=30),
    ]


async def test_a_move_shortly_before_the_start_sends_the_notice_not_old_reminders(
    session: AsyncSession, translator: Translator
) -> None:
    schools = await load_schools(session)
    await person(session, Role.DIRECTOR, schools=[schools["47001"]])
    found = await webinar(session, local("2026-12-01 10:00"))
    now = local("2026-12-05 10:00")
    notice = notices.change_notice(translator, MOSCOW)
    moved = await events.move(
        session,
        None,
        found.id,
        local("2026-12-05 10:40"),
        now,
        notice=notice,
        reminder_offsets=OFFSETS,
    )
    assert (moved.told, moved.reminders.ahead) == (1, [])
    # The notice says the new time; the reminders whose time had passed are not sent.
    assert await reminder_texts(session, translator, ["2026-12-05 10:00"], OFFSETS) == []
    # 23 hours ahead: the day's reminder is past, the hour's still ahead goes as usual.
    later = await events.move(
        session,
        None,
        found.id,
        local("2026-12-06 09:00"),
        now,
        notice=notice,
        reminder_offsets=OFFSETS,
    )
    assert (later.event.reminded, later.reminders.ahead) == ([1440], [60])
    texts = await reminder_texts(
        session, translator, ["2026-12-05 10:01", "2026-12-06 08:00"], OFFSETS
    )
    assert len(texts) == 1
    assert "начало через час" in texts[0]


async def test_a_reminder_shows_the_answer_already_given(
    session: AsyncSession, translator: Translator
) -> None:
    schools = await load_schools(session)
    director = await person(session, Role.DIRECTOR, schools=[schools["47001"]])
    now = local("2026-12-08 12:00")
    found = await webinar(session, now)
    await events.answer(session, director, found.id, Attendance.YES, now)
    await notices.send_reminders(session, translator, MOSCOW, local("2026-12-09 15:00"), OFFSETS)
    (row,) = list(await session.scalars(select(OutboxMessage)))
    labels = [button["text"] for line in row.payload["buttons"] for button in line]
    assert labels == ["✅ Буду", "Не смогу"]


@pytest.mark.parametrize(
    ("offsets", "created", "expected"),
    [
        ((24 * 60, 60), "2026-12-01 10:00", "Участники получат напоминания за сутки и за час."),
        (
            (3 * 24 * 60, 24 * 60, 120),
            "2026-12-01 10:00",
            "Участники получат напоминания за 3 дня, за сутки и за 2 часа.",
        ),
        ((15,), "2026-12-01 10:00", "Участники получат напоминание за 15 минут."),
        ((24 * 60, 60), "2026-12-10 09:00", "Участники получат напоминания сейчас и за час."),
        ((24 * 60, 60), "2026-12-10 14:30", "Участники получат напоминание сейчас."),
        ((), "2026-12-01 10:00", "Напоминания о вебинарах отключены в настройках бота."),
    ],
    ids=["day-and-hour", "three", "quarter", "now-and-hour", "now-only", "none"],
)
def test_the_reminders_a_webinar_will_get_are_said_from_the_settings(
    translator: Translator, offsets: tuple[int, ...], created: str, expected: str
) -> None:
    plan = events.reminder_plan(local("2026-12-10 15:00"), local(created), offsets)
    assert notices.reminder_plan_text(translator.for_locale("ru"), plan) == expected
    english = notices.reminder_plan_text(translator.for_locale("en"), plan)
    assert english
    assert "{" not in english


async def test_someone_not_registered_cannot_answer_an_event_for_everyone(
    session: AsyncSession,
) -> None:
    """Found by the fuzz test: an unsaved visitor (no id) matched «everyone»."""
    from bot.services import participants

    schools = await load_schools(session)
    await person(session, Role.DIRECTOR, schools=[schools["47001"]])  # «everyone» is someone
    now = local("2026-12-08 12:00")
    found = await webinar(session, now)  # for everyone
    # Not stored: no id.
    visitor = await participants.current(session, Channel.TELEGRAM, 77_001, "ru")
    with pytest.raises(AccessDenied):
        await events.answer(session, visitor, found.id, Attendance.YES, now)
    # Stored, but holds no role.
    stored = await participants.visit(session, Channel.TELEGRAM, 77_002, "ru")
    with pytest.raises(AccessDenied):
        await events.answer(session, stored, found.id, Attendance.YES, now)


async def test_the_schedule_checks_each_audience_once_not_each_event(
    session: AsyncSession,
) -> None:
    """The events of a series share their audience: whether the person is in it is asked
    once, however many of the series' events fall in the coming days."""
    schools = await load_schools(session)
    director = await person(session, Role.DIRECTOR, schools=[schools["47001"]])
    await events.save_series(session, link="https://meet.example.org/org", local_time="10:00")
    now = local("2026-11-22 12:00")
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    async def counted() -> int:
        statements.clear()
        engine = session.bind
        assert isinstance(engine, AsyncEngine)
        sql_event.listen(engine.sync_engine, "before_cursor_execute", count)
        try:
            await events.my_events(session, director, now, 60)
        finally:
            sql_event.remove(engine.sync_engine, "before_cursor_execute", count)
        return len(statements)

    assert await events.materialise(session, MOSCOW, now, weeks=3) == 1
    one = await counted()
    assert await events.materialise(session, MOSCOW, now, weeks=8) == 2
    assert len(await events.my_events(session, director, now, 60)) == 3
    assert await counted() == one
