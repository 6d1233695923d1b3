"""Events in the bot: the webinar wizard, answering a reminder, /schedule and .ics, moving
and cancelling."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from aiogram.fsm.storage.memory import SimpleEventIsolation
from aiogram.methods import EditMessageReplyMarkup, SendDocument, SendMessage
from babel.dates import format_datetime
from icalendar import Calendar
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import notices
from bot.app import build_dispatcher
from bot.conversation.actions import EventCb, HolidayCb, MenuCb, PickCb, RsvpCb
from bot.i18n import Translator
from bot.services import delivery, events, work_calendar
from bot.services.audience import Audience
from bot.services.delivery import Outgoing, Payload
from bot.settings import Settings, load_settings
from bot.views import format_when
from storage.fsm import SqlStorage
from storage.models import (
    Attendance,
    Event,
    EventAnswer,
    EventKind,
    EventStatus,
    FileReference,
    MeetingSeries,
    OutboxMessage,
    OutboxStatus,
    Participant,
    Role,
    StoredFile,
)
from storage.repositories.outbox import OutboxRepository
from tests.bot.conftest import ADMIN_TELEGRAM_ID, BotHarness
from tests.support.people import load_schools, person, telegram_id
from tests.support.recording import recording_bot
from tests.support.updates import TelegramUser


async def test_a_coordinator_creates_a_webinar_with_the_wizard(
    harness: BotHarness, session: AsyncSession, translator: Translator, settings: Settings
) -> None:
    await load_schools(session)
    regional = await person(session, Role.REGIONAL_COORDINATOR)
    user = TelegramUser(id=telegram_id(regional))
    await harness.press(user, MenuCb(item="events"))
    await harness.press(user, EventCb(action="new"))
    assert harness.sent_to(user)[-1].text == translator.get("ru", "webinar-ask-title")
    await harness.send(user, "Вебинар: работа с родителями")
    day = (datetime.now(settings.zone) + timedelta(days=3)).date()
    # The date typed by hand, the time chosen with a button.
    assert await harness.reply_text(user, "31.02.2026") == translator.get(
        "ru", "error-bad-day", value="31.02.2026"
    )
    await harness.send(user, f"{day:%d.%m.%Y}")
    await harness.press(user, PickCb(field="time", value="1500"))
    forged = await harness.alerts(user, PickCb(field="duration", value="9999"))
    assert forged == [translator.get("ru", "error-access-denied")]
    await harness.press(user, PickCb(field="duration", value="90"))
    assert await harness.reply_text(user, "не ссылка") == translator.get(
        "ru", "error-event-bad-link"
    )
    await harness.send(user, "https://webinar.example.org/parents")
    assert await harness.reply_text(user, "вот файл") == translator.get(
        "ru", "webinar-ask-materials"
    )
    document = {
        "file_id": "materials-1",
        "file_unique_id": "m1",
        "file_name": "plan.pdf",
        "mime_type": "application/pdf",
        "file_size": 9,
    }
    harness.session.files["materials-1"] = b"%PDF plan"
    await harness.send(user, None, document=document)
    requests = await harness.press(user, PickCb(field="audience", value="director"))
    # The card comes with the materials, sent by the file id they came with.
    (with_materials,) = [r for r in requests if isinstance(r, SendDocument)]
    assert with_materials.document == "materials-1"
    card = with_materials.caption or ""
    assert "Вебинар: работа с родителями" in card
    assert "15:00 (МСК)" in card
    assert "Кому: Директорам" in card  # not «Участники: Директорам»
    await harness.press(user, PickCb(field="create", value="yes"))
    event = await session.scalar(select(Event))
    assert event is not None
    assert event.starts_at == datetime(day.year, day.month, day.day, 15, tzinfo=settings.zone)
    assert event.audience["roles"] == ["director"]
    assert event.duration_minutes == 90
    # Kept as bytes (for MAX), with Telegram's file id to send it there without them.
    assert event.materials_id is not None
    stored = await session.get(StoredFile, event.materials_id)
    assert stored is not None
    assert (stored.name, stored.mime_type, stored.size) == ("plan.pdf", "application/pdf", 9)
    assert await session.scalar(select(StoredFile.content)) == b"%PDF plan"
    reference = await session.scalar(select(FileReference))
    assert reference is not None
    assert (reference.channel, reference.kind, reference.reference) == (
        "telegram",
        "document",
        "materials-1",
    )


async def webinar_for_directors(session: AsyncSession) -> Event:
    now = datetime.now(UTC)
    return await events.create_webinar(
        session,
        None,
        title="Вебинар для директоров",
        starts_at=now + timedelta(days=2),
        link="https://w.example.org/1",
        now=now,
        audience=Audience(roles=(Role.DIRECTOR,)),
    )


async def test_answering_a_reminder_marks_the_choice_and_can_change(
    harness: BotHarness, session: AsyncSession, translator: Translator
) -> None:
    schools = await load_schools(session)
    director = await person(session, Role.DIRECTOR, schools=[schools["47001"]])
    event = await webinar_for_directors(session)
    user = TelegramUser(id=telegram_id(director))
    requests = await harness.press(user, RsvpCb(event=event.id, answer=Attendance.YES))
    (edit,) = [r for r in requests if isinstance(r, EditMessageReplyMarkup)]
    labels = [b.text for row in edit.reply_markup.inline_keyboard for b in row]  # type: ignore[union-attr]
    assert labels == ["✅ Буду", "Не смогу"]
    await harness.press(user, RsvpCb(event=event.id, answer=Attendance.NO))
    answer = await session.scalar(
        select(EventAnswer.answer).execution_options(populate_existing=True)
    )
    assert answer == Attendance.NO


async def test_schedule_lists_my_events_and_sends_calendar_files(
    harness: BotHarness, session: AsyncSession, translator: Translator
) -> None:
    schools = await load_schools(session)
    director = await person(session, Role.DIRECTOR, schools=[schools["47001"]])
    event = await webinar_for_directors(session)
    user = TelegramUser(id=telegram_id(director))
    await events.answer(session, director, event.id, Attendance.YES, datetime.now(UTC))
    listing = await harness.reply_text(user, "/schedule")
    assert "Вебинар для директоров" in listing
    assert "(буду)" in listing
    requests = await harness.press(user, EventCb(action="ics", id=event.id))
    (document,) = [r for r in requests if isinstance(r, SendDocument)]
    content = document.document.data  # type: ignore[union-attr]
    (entry,) = Calendar.from_ical(content).walk("VEVENT")
    assert str(entry["summary"]) == "Вебинар для директоров"
    requests = await harness.press(user, EventCb(action="ics-all"))
    assert [r for r in requests if isinstance(r, SendDocument)]


async def test_calendar_files_from_schedule_update_the_same_event_after_a_move(
    harness: BotHarness, session: AsyncSession, translator: Translator, settings: Settings
) -> None:
    schools = await load_schools(session)
    director = await person(session, Role.DIRECTOR, schools=[schools["47001"]])
    event = await webinar_for_directors(session)
    user = TelegramUser(id=telegram_id(director))

    async def calendar_file() -> Calendar:
        requests = await harness.press(user, EventCb(action="ics", id=event.id))
        (document,) = [r for r in requests if isinstance(r, SendDocument)]
        return Calendar.from_ical(document.document.data)  # type: ignore[union-attr]

    first = await calendar_file()
    (zone,) = first.walk("VTIMEZONE")
    assert str(zone["tzid"]) == settings.timezone
    (before,) = first.walk("VEVENT")
    assert before["dtstart"].params["TZID"] == settings.timezone
    now = datetime.now(UTC)
    later, notice = (
        event.starts_at + timedelta(days=1),
        notices.change_notice(translator, settings.zone),
    )
    await events.move(session, None, event.id, later, now, notice=notice)
    (after,) = (await calendar_file()).walk("VEVENT")
    assert str(after["uid"]) == str(before["uid"])
    assert after.decoded("sequence") > before.decoded("sequence")


async def test_moving_and_cancelling_tell_the_audience(
    harness: BotHarness, session: AsyncSession, translator: Translator, settings: Settings
) -> None:
    schools = await load_schools(session)
    await person(session, Role.DIRECTOR, schools=[schools["47001"]])
    regional = await person(session, Role.REGIONAL_COORDINATOR)
    event = await webinar_for_directors(session)
    user = TelegramUser(id=telegram_id(regional))
    await harness.press(user, EventCb(action="card", id=event.id))
    card = harness.sent_to(user)[-1]
    assert translator.get("ru", "attendance-summary", coming=0, not_coming=0, silent=1) in str(
        card.text
    )
    await harness.press(user, EventCb(action="move", id=event.id))
    assert await harness.reply_text(user, "завтра") == translator.get(
        "ru", "error-bad-moment", value="завтра"
    )
    new_day = (datetime.now(settings.zone) + timedelta(days=5)).date()
    done = await harness.reply_text(user, f"{new_day:%d.%m.%Y} 11:00")
    assert done.startswith("✅")
    await harness.press(user, EventCb(action="cancel", id=event.id))
    # The question names what is cancelled.
    assert "Вебинар для директоров" in str(harness.sent_to(user)[-1].text)
    await harness.press(user, EventCb(action="cancel-yes", id=event.id))
    assert harness.sent_to(user)[-1].text == translator.get("ru", "event-cancel-done")
    notices = list(await session.scalars(select(OutboxMessage.reference)))
    # The cancellation is a change like the move: version 3 (the calendar file's SEQUENCE).
    assert sorted(notices) == [f"event:{event.id}:v2:scheduled", f"event:{event.id}:v3:cancelled"]
    refreshed = await session.scalar(select(Event).execution_options(populate_existing=True))
    assert refreshed is not None
    assert refreshed.status == EventStatus.CANCELLED
    # A button of the cancelled event now says so.
    alerts = await harness.alerts(user, EventCb(action="cancel-yes", id=event.id))
    assert alerts == [translator.get("ru", "error-event-cancelled")]


async def test_the_digest_can_be_turned_off(
    harness: BotHarness, session: AsyncSession, translator: Translator
) -> None:
    schools = await load_schools(session)
    director = await person(session, Role.DIRECTOR, schools=[schools["47001"]])
    user = TelegramUser(id=telegram_id(director))
    assert await harness.alerts(user, MenuCb(item="digest")) == [translator.get("ru", "digest-off")]
    assert await harness.alerts(user, MenuCb(item="digest")) == [translator.get("ru", "digest-on")]
    sent = [r for r in harness.session.requests if isinstance(r, SendMessage)]
    assert sent == []


async def test_attendance_names_the_people_without_a_municipality(
    harness: BotHarness, session: AsyncSession, translator: Translator
) -> None:
    """Regional coordinators belong to no municipality: their row says so, not «—»."""
    schools = await load_schools(session)
    await person(session, Role.DIRECTOR, schools=[schools["47001"]])
    regional = await person(session, Role.REGIONAL_COORDINATOR)
    now = datetime.now(UTC)
    event = await events.create_webinar(
        session,
        None,
        title="Вебинар для всех",
        starts_at=now + timedelta(days=2),
        link="https://w.example.org/2",
        now=now,
        audience=Audience(),
    )
    user = TelegramUser(id=telegram_id(regional))
    await harness.press(user, EventCb(action="card", id=event.id))
    lines = str(harness.sent_to(user)[-1].text).splitlines()
    regional_row = translator.get(
        "ru",
        "attendance-line",
        municipality=translator.get("ru", "attendance-no-municipality"),
        coming=0,
        not_coming=0,
        silent=1,
    )
    assert regional_row in lines
    assert not [line for line in lines if line.startswith("—")]
    # After the municipalities.
    assert lines.index(regional_row) > lines.index(
        translator.get(
            "ru", "attendance-line", municipality="Киришский", coming=0, not_coming=0, silent=1
        )
    )


async def test_a_command_typed_in_the_webinar_wizard_is_not_its_title(
    harness: BotHarness, session: AsyncSession, translator: Translator
) -> None:
    await load_schools(session)
    regional = await person(session, Role.REGIONAL_COORDINATOR)
    user = TelegramUser(id=telegram_id(regional))
    await harness.press(user, MenuCb(item="events"))
    await harness.press(user, EventCb(action="new"))
    # /surveys while the title is asked: the list of surveys, not a webinar named "/surveys".
    replies = await harness.replies(user, "/surveys")
    assert replies[0] == translator.get("ru", "wizard-interrupted")
    assert translator.get("ru", "webinar-ask-date") not in replies
    assert await session.scalar(select(Event)) is None
    # The wizard is over: a title typed now is not taken for one.
    reply = await harness.reply_text(user, "Вебинар: работа с родителями")
    assert reply != translator.get("ru", "webinar-ask-date")


@pytest.fixture
def settings(request: pytest.FixtureRequest) -> Settings:
    """The bot's settings, with a test's own REMINDER_OFFSETS or TIMEZONE when it asks."""
    overrides: dict[str, Any] = getattr(request, "param", {})
    return load_settings(_env_file=None, admin_ids=(ADMIN_TELEGRAM_ID,), **overrides)


def labels(markup: Any) -> list[str]:
    return [button.text for row in markup.inline_keyboard for button in row]


def data_of(markup: Any, label: str) -> str:
    (found,) = [b.callback_data for row in markup.inline_keyboard for b in row if b.text == label]
    return str(found)


async def open_wizard(harness: BotHarness, session: AsyncSession, user: TelegramUser) -> None:
    await harness.press(user, MenuCb(item="events"))
    await harness.press(user, EventCb(action="new"))
    await harness.send(user, "Вебинар: работа с родителями")


async def test_the_date_picker_offers_today_weekdays_and_more_than_two_weeks(
    harness: BotHarness, session: AsyncSession, translator: Translator, settings: Settings
) -> None:
    await load_schools(session)
    regional = await person(session, Role.REGIONAL_COORDINATOR)
    user = TelegramUser(id=telegram_id(regional))
    await open_wizard(harness, session, user)
    picker = harness.sent_to(user)[-1].reply_markup
    names = labels(picker)
    today = datetime.now(settings.zone).date()
    assert names[0] == translator.get("ru", "button-today")
    # «пн 7 дек»: the weekday and the month as people read them, no abbreviation dot.
    tomorrow = today + timedelta(days=1)
    assert re.fullmatch(r"(пн|вт|ср|чт|пт|сб|вс) \d{1,2} [а-я]{3,4}", names[1]), names[1]
    assert names[1].split()[1] == str(tomorrow.day)
    assert translator.get("ru", "button-dates-later") in names
    more = data_of(picker, translator.get("ru", "button-dates-later"))
    requests = await harness.press(user, more)
    (edit,) = [r for r in requests if isinstance(r, EditMessageReplyMarkup)]
    later = edit.reply_markup
    assert later is not None
    day_15 = today + timedelta(days=14)
    packed = [b.callback_data for row in later.inline_keyboard for b in row]
    assert PickCb(field="date", value=day_15.isoformat()).pack() in packed
    assert translator.get("ru", "button-dates-earlier") in labels(later)
    # A day beyond the buttons can be typed, in ISO too; the time is asked in the bot's zone.
    far = today + timedelta(days=200)
    assert await harness.reply_text(user, far.isoformat()) == translator.get(
        "ru", "webinar-ask-time", zone="МСК"
    )


async def test_typed_dates_are_understood_or_refused_with_both_forms(
    harness: BotHarness, session: AsyncSession, translator: Translator, settings: Settings
) -> None:
    await load_schools(session)
    regional = await person(session, Role.REGIONAL_COORDINATOR)
    user = TelegramUser(id=telegram_id(regional))
    await open_wizard(harness, session, user)
    refused = await harness.reply_text(user, "завтра")
    assert refused == translator.get("ru", "error-bad-day", value="завтра")
    yesterday = datetime.now(settings.zone).date() - timedelta(days=1)
    past = await harness.reply_text(user, f"{yesterday:%d.%m.%Y}")
    assert past == translator.get("ru", "error-event-in-past")
    # A day with its time: the time step is skipped.
    day = datetime.now(settings.zone).date() + timedelta(days=3)
    asked = await harness.reply_text(user, f"{day:%Y-%m-%d} 18:30")
    assert asked == translator.get("ru", "webinar-ask-duration")
    await harness.press(user, PickCb(field="duration", value="60"))
    await harness.send(user, "https://webinar.example.org/parents")
    await harness.press(user, PickCb(field="materials", value="no"))
    await harness.press(user, PickCb(field="audience", value="all"))
    await harness.press(user, PickCb(field="create", value="yes"))
    event = await session.scalar(select(Event))
    assert event is not None
    assert event.starts_at == datetime(day.year, day.month, day.day, 18, 30, tzinfo=settings.zone)


@pytest.mark.parametrize(
    "settings", [{"reminder_offsets": "15m", "timezone": "Europe/Samara"}], indirect=True
)
async def test_the_wizard_speaks_of_the_configured_reminders_and_zone(
    harness: BotHarness, session: AsyncSession, translator: Translator, settings: Settings
) -> None:
    await load_schools(session)
    regional = await person(session, Role.REGIONAL_COORDINATOR)
    user = TelegramUser(id=telegram_id(regional))
    await open_wizard(harness, session, user)
    day = datetime.now(settings.zone).date() + timedelta(days=3)
    asked = await harness.reply_text(user, f"{day:%d.%m.%Y}")
    assert asked == translator.get("ru", "webinar-ask-time", zone="UTC+4")
    assert "МСК" not in asked
    await harness.press(user, PickCb(field="time", value="1500"))
    await harness.press(user, PickCb(field="duration", value="60"))
    await harness.send(user, "https://webinar.example.org/parents")
    await harness.press(user, PickCb(field="materials", value="no"))
    await harness.press(user, PickCb(field="audience", value="all"))
    card = str(harness.sent_to(user)[-1].text)
    assert "15:00 (UTC+4)" in card
    await harness.press(user, PickCb(field="create", value="yes"))
    created = str(harness.sent_to(user)[-1].text)
    assert "Участники получат напоминание за 15 минут." in created
    assert "сутки" not in created


async def test_a_webinar_created_half_an_hour_ahead_says_the_reminder_goes_now(
    harness: BotHarness, session: AsyncSession, translator: Translator, settings: Settings
) -> None:
    await load_schools(session)
    regional = await person(session, Role.REGIONAL_COORDINATOR)
    user = TelegramUser(id=telegram_id(regional))
    await open_wizard(harness, session, user)
    start = (datetime.now(settings.zone) + timedelta(minutes=31)).replace(second=0, microsecond=0)
    await harness.send(user, f"{start:%d.%m.%Y %H:%M}")
    await harness.press(user, PickCb(field="duration", value="60"))
    await harness.send(user, "https://webinar.example.org/parents")
    await harness.press(user, PickCb(field="materials", value="no"))
    await harness.press(user, PickCb(field="audience", value="all"))
    await harness.press(user, PickCb(field="create", value="yes"))
    created = str(harness.sent_to(user)[-1].text)
    assert created.endswith("Участники получат напоминание сейчас.")


async def test_a_move_notice_says_both_times_and_keeps_the_answer(
    harness: BotHarness, session: AsyncSession, translator: Translator, settings: Settings
) -> None:
    schools = await load_schools(session)
    director = await person(session, Role.DIRECTOR, schools=[schools["47001"]])
    silent = await person(session, Role.DIRECTOR, schools=[schools["47002"]], name="Молчащий")
    regional = await person(session, Role.REGIONAL_COORDINATOR)
    event = await webinar_for_directors(session)
    old_when = format_when(event.starts_at, settings.zone, "ru")
    await events.answer(session, director, event.id, Attendance.YES, datetime.now(UTC))
    user = TelegramUser(id=telegram_id(regional))
    await harness.press(user, EventCb(action="move", id=event.id))
    new_day = (datetime.now(settings.zone) + timedelta(days=5)).date()
    await harness.send(user, f"{new_day:%Y-%m-%d} 11:00")  # ISO is understood too
    rows = {
        row.participant_id: row
        for row in await session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "event-change")
        )
    }
    text = str(rows[director.id].payload["text"])
    assert f"Было: {old_when}" in text
    new_when = format_when(
        datetime(new_day.year, new_day.month, new_day.day, 11, tzinfo=settings.zone),
        settings.zone,
        "ru",
    )
    assert f"Стало: {new_when}" in text
    assert translator.get("ru", "event-moved-answer-kept-yes") in text
    buttons = [b["text"] for line in rows[director.id].payload["buttons"] for b in line]
    assert buttons == ["✅ Буду", "Не смогу"]
    # Who had not answered is asked plainly.
    buttons = [b["text"] for line in rows[silent.id].payload["buttons"] for b in line]
    assert buttons == ["Буду", "Не смогу"]
    assert (
        await session.scalar(
            select(EventAnswer.answer).where(EventAnswer.participant_id == director.id)
        )
        == Attendance.YES
    )

    await harness.press(user, EventCb(action="cancel", id=event.id))
    await harness.press(user, EventCb(action="cancel-yes", id=event.id))
    (notice,) = [
        row
        for row in await session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.kind == "event-change", OutboxMessage.participant_id == director.id
            )
        )
        if row.reference.endswith("cancelled")
    ]
    assert event.link not in notice.payload["text"]
    assert not notice.payload.get("buttons")


# -- public holidays ------------------------------------------------------------------------


def a_coming_holiday(settings: Settings) -> date:
    """The first weekday on a public holiday at least three weeks from today (whatever year
    the suite runs in: the fixed holidays are there in every year)."""
    day = datetime.now(settings.zone).date() + timedelta(weeks=3)
    while work_calendar.holiday(day) is None or day.weekday() >= 5:
        day += timedelta(days=1)
    return day


async def meeting_on(session: AsyncSession, day: date, settings: Settings) -> Event:
    await events.save_series(session, link="https://meet.example.org/org", local_time="10:00")
    series = await session.scalar(select(MeetingSeries))
    assert series is not None
    event = Event(
        kind=EventKind.MEETING,
        series_id=series.id,
        occurrence=day,
        title=series.title,
        starts_at=datetime(day.year, day.month, day.day, 10, tzinfo=settings.zone),
        duration_minutes=60,
        link=series.link,
        audience={},
        reminded=[],
    )
    session.add(event)
    await session.commit()
    return event


async def ask(
    session: AsyncSession, translator: Translator, settings: Settings, now: datetime
) -> int:
    return await notices.ask_about_holidays(session, translator, settings.zone, now)


async def the_question(session: AsyncSession, person: Participant) -> Payload:
    row = await session.scalar(
        select(OutboxMessage).where(
            OutboxMessage.kind == "holiday-question", OutboxMessage.participant_id == person.id
        )
    )
    assert row is not None, "the coordinator was not asked"
    return Payload.from_json(row.payload)


async def test_the_coordinator_is_asked_two_weeks_ahead_once_and_moves_in_one_tap(
    harness: BotHarness, session: AsyncSession, translator: Translator, settings: Settings
) -> None:
    schools = await load_schools(session)
    await person(session, Role.DIRECTOR, schools=[schools["47001"]])
    regional = await person(session, Role.REGIONAL_COORDINATOR)
    municipal = await person(session, Role.MUNICIPAL_COORDINATOR, municipality="Киришский")
    day = a_coming_holiday(settings)
    event = await meeting_on(session, day, settings)
    # Three weeks ahead nobody is asked; two weeks ahead the regional team is, once.
    assert await ask(session, translator, settings, event.starts_at - timedelta(days=21)) == 0
    assert await ask(session, translator, settings, event.starts_at - timedelta(days=14)) == 1
    assert await ask(session, translator, settings, event.starts_at - timedelta(days=13)) == 0
    question = await the_question(session, regional)
    holiday = work_calendar.holiday(day)
    assert holiday is not None
    assert holiday in question.text
    assert format_when(event.starts_at, settings.zone, "ru") in question.text
    assert not await session.scalar(
        select(OutboxMessage).where(OutboxMessage.participant_id == municipal.id)
    )  # a region-wide meeting is the regional team's
    target = datetime.combine(work_calendar.next_working_day(day), time(10), tzinfo=settings.zone)
    move, cancel, keep = (row[0] for row in question.buttons)
    assert move.text == "Перенести на " + format_datetime(target, "EEE, d MMMM, HH:mm", locale="ru")
    assert [cancel.text, keep.text] == ["Отменить событие", "Оставить как есть"]
    # Nothing moved meanwhile: the event is where it was.
    await session.refresh(event)
    assert (event.starts_at, event.version) == (
        datetime(day.year, day.month, day.day, 10, tzinfo=settings.zone),
        1,
    )
    # Another coordinator's forged press is refused: a municipal one may not move it.
    other = TelegramUser(id=telegram_id(municipal))
    assert await harness.alerts(other, move.data) == [translator.get("ru", "error-access-denied")]
    user = TelegramUser(id=telegram_id(regional))
    await harness.press(user, move.data)
    when = format_when(target, settings.zone, "ru")
    assert harness.sent_to(user)[-1].text == translator.get("ru", "event-move-done", when=when)
    await session.refresh(event)
    assert event.starts_at == target
    assert event.version == 2
    references = set(await session.scalars(select(OutboxMessage.reference)))
    assert f"event:{event.id}:v2:scheduled" in references  # the audience is told
    # The question's other buttons are outdated now: the event has changed since.
    assert await harness.alerts(user, cancel.data) == [translator.get("ru", "error-event-changed")]


async def test_cancel_and_keep_from_the_holiday_question(
    harness: BotHarness, session: AsyncSession, translator: Translator, settings: Settings
) -> None:
    schools = await load_schools(session)
    director = await person(session, Role.DIRECTOR, schools=[schools["47001"]])
    regional = await person(session, Role.REGIONAL_COORDINATOR)
    director_user = TelegramUser(id=telegram_id(director))
    day = a_coming_holiday(settings)
    kept = await meeting_on(session, day, settings)
    await ask(session, translator, settings, kept.starts_at - timedelta(days=10))
    _, cancel, keep = (row[0] for row in (await the_question(session, regional)).buttons)
    # A director pressing a coordinator's button is refused, and nothing changes.
    assert await harness.alerts(director_user, cancel.data) == [
        translator.get("ru", "error-access-denied")
    ]
    user = TelegramUser(id=telegram_id(regional))
    await harness.press(user, keep.data)
    assert harness.sent_to(user)[-1].text == translator.get(
        "ru", "holiday-kept", when=format_when(kept.starts_at, settings.zone, "ru")
    )
    await session.refresh(kept)
    assert (kept.status, kept.version) == (EventStatus.SCHEDULED, 1)
    assert not await session.scalar(
        select(OutboxMessage).where(OutboxMessage.kind == "event-change")
    )
    # Changing one's mind: the same question's «Отменить событие» still applies.
    await harness.press(user, cancel.data)
    assert harness.sent_to(user)[-1].text == translator.get("ru", "event-cancel-done")
    await session.refresh(kept)
    assert (kept.status, kept.version) == (EventStatus.CANCELLED, 2)
    assert f"event:{kept.id}:v2:cancelled" in set(
        await session.scalars(select(OutboxMessage.reference))
    )


async def test_an_event_on_a_holiday_waits_for_someone_to_ask(
    session: AsyncSession, translator: Translator, settings: Settings
) -> None:
    await load_schools(session)
    event = await meeting_on(session, a_coming_holiday(settings), settings)
    now = event.starts_at - timedelta(days=14)
    assert await ask(session, translator, settings, now) == 0  # no coordinator yet
    regional = await person(session, Role.REGIONAL_COORDINATOR)
    assert await ask(session, translator, settings, now + timedelta(hours=1)) == 1
    assert (await the_question(session, regional)).buttons


async def test_a_municipal_webinar_on_a_holiday_is_asked_of_its_municipality(
    harness: BotHarness, session: AsyncSession, translator: Translator, settings: Settings
) -> None:
    await load_schools(session)
    regional = await person(session, Role.REGIONAL_COORDINATOR)
    municipal = await person(session, Role.MUNICIPAL_COORDINATOR, municipality="Киришский")
    day = a_coming_holiday(settings)
    now = datetime.now(UTC)
    webinar = await events.create_webinar(
        session,
        municipal,
        title="Вебинар Киришского района",
        starts_at=datetime(day.year, day.month, day.day, 15, tzinfo=settings.zone),
        link="https://w.example.org/k",
        now=now,
    )
    assert await ask(session, translator, settings, webinar.starts_at - timedelta(days=3)) == 1
    move, _, _ = (row[0] for row in (await the_question(session, municipal)).buttons)
    assert not await session.scalar(
        select(OutboxMessage).where(OutboxMessage.participant_id == regional.id)
    )
    await harness.press(TelegramUser(id=telegram_id(municipal)), move.data)
    await session.refresh(webinar)
    assert webinar.version == 2
    assert webinar.starts_at.astimezone(settings.zone).time() == time(15)


async def test_the_coordinators_event_list_marks_holidays(
    harness: BotHarness,
    session: AsyncSession,
    translator: Translator,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The list as a coordinator saw it on 20.12.2026: the meeting of 04.01.2027 is marked.
    now = datetime(2026, 12, 20, 9, 0, tzinfo=UTC)
    monkeypatch.setattr("handlers.events.utcnow", lambda: now)
    await load_schools(session)
    regional = await person(session, Role.REGIONAL_COORDINATOR)
    on_holiday = await meeting_on(session, date(2027, 1, 4), settings)
    ordinary = await meeting_on(session, date(2026, 12, 21), settings)
    user = TelegramUser(id=telegram_id(regional))
    requests = await harness.press(user, MenuCb(item="events"))
    (listing,) = [r for r in requests if isinstance(r, SendMessage)]
    labels = [b.text for row in listing.reply_markup.inline_keyboard for b in row]  # type: ignore[union-attr]
    mark = translator.get("ru", "event-holiday", holiday="Новогодние каникулы")
    assert mark == "⚠ нерабочий праздничный день: Новогодние каникулы"
    assert f"понедельник, 4 января, 10:00 (МСК) — {mark}" in str(listing.text)
    assert "21 декабря" not in str(listing.text)
    assert f"⚠ 04.01 10:00 {on_holiday.title[:45]}" in labels
    assert f"21.12 10:00 {ordinary.title[:45]}" in labels
    await harness.press(user, EventCb(action="card", id=on_holiday.id))
    assert mark in str(harness.sent_to(user)[-1].text)
    await harness.press(user, EventCb(action="card", id=ordinary.id))
    assert "⚠" not in str(harness.sent_to(user)[-1].text)


def serving_feeds(
    session_factory: async_sessionmaker[AsyncSession], translator: Translator
) -> tuple[BotHarness, Settings]:
    """The harness of a bot in webhook mode, whose server serves the feed."""
    settings = load_settings(
        _env_file=None,
        mode="webhook",
        webhook_url="https://bot.example.org/telegram",
        webhook_secret="s3cret",
        public_url="https://calendar.example.org/school-bot/",
    )
    bot, recording = recording_bot()
    dispatcher = build_dispatcher(
        session_factory=session_factory,
        translator=translator,
        settings=settings,
        storage=SqlStorage(session_factory),
        events_isolation=SimpleEventIsolation(),
    )
    return BotHarness(dispatcher, bot, recording), settings


async def test_schedule_gives_a_private_calendar_address_that_can_be_revoked(
    session_factory: async_sessionmaker[AsyncSession],
    session: AsyncSession,
    translator: Translator,
) -> None:
    harness, _ = serving_feeds(session_factory, translator)
    schools = await load_schools(session)
    director = await person(session, Role.DIRECTOR, schools=[schools["47001"]])
    await webinar_for_directors(session)
    user = TelegramUser(id=telegram_id(director))
    requests = await harness.send(user, "/schedule")
    (listing,) = [r for r in requests if isinstance(r, SendMessage)]
    buttons = {b.text: b.callback_data for row in listing.reply_markup.inline_keyboard for b in row}  # type: ignore[union-attr]
    subscribe = buttons["🔗 Подписаться в календаре"]
    assert subscribe is not None
    await harness.press(user, subscribe)
    shown = harness.sent_to(user)[-1]
    await session.refresh(director)
    token = director.calendar_token
    assert token is not None
    url = f"https://calendar.example.org/school-bot/calendar/{token}.ics"
    assert shown.text == translator.get("ru", "calendar-feed", url=url)
    # Asked again, the same address: the calendars that follow it keep working.
    await harness.press(user, subscribe)
    assert harness.sent_to(user)[-1].text == shown.text
    (revoke,) = [b for row in shown.reply_markup.inline_keyboard for b in row]  # type: ignore[union-attr]
    assert revoke.text == "Отозвать ссылку"
    await harness.press(user, str(revoke.callback_data))
    assert harness.sent_to(user)[-1].text == translator.get("ru", "calendar-feed-revoked")
    await session.refresh(director)
    assert director.calendar_token is None
    # The next request makes a new address.
    await harness.press(user, subscribe)
    renewed = await session.scalar(
        select(Participant.calendar_token).where(Participant.id == director.id)
    )
    assert renewed not in (None, token)
    assert str(renewed) in str(harness.sent_to(user)[-1].text)


async def test_schedule_says_when_the_calendar_feed_is_not_set_up(
    harness: BotHarness, session: AsyncSession, translator: Translator
) -> None:
    # Polling, no web server: nothing could serve the address.
    schools = await load_schools(session)
    director = await person(session, Role.DIRECTOR, schools=[schools["47001"]])
    user = TelegramUser(id=telegram_id(director))
    empty = await harness.reply_text(user, "/schedule")
    assert empty.endswith("\n" + translator.get("ru", "calendar-feed-off"))
    await webinar_for_directors(session)
    requests = await harness.send(user, "/schedule")
    (listing,) = [r for r in requests if isinstance(r, SendMessage)]
    assert str(listing.text).endswith("\n" + translator.get("ru", "calendar-feed-off"))
    labels = [b.text for row in listing.reply_markup.inline_keyboard for b in row]  # type: ignore[union-attr]
    assert "🔗 Подписаться в календаре" not in labels
    # A button left from before: the same answer, with the way back to the menu.
    alerts = await harness.press(user, EventCb(action="feed"))
    assert [r.text for r in alerts if isinstance(r, SendMessage)] == [
        translator.get("ru", "calendar-feed-off")
    ]
    assert director.calendar_token is None


# -- a change and the messages it causes ----------------------------------------------------


class OutboxDown(Exception):
    """The process dies (or the database fails) as the notices are being queued."""


async def change_by_hand(
    harness: BotHarness, user: TelegramUser, event: Event, how: str, settings: Settings
) -> None:
    """The coordinator's move or cancellation, from the event card or the holiday question."""
    if how == "move":
        await harness.press(user, EventCb(action="move", id=event.id))
        new_day = (datetime.now(settings.zone) + timedelta(days=5)).date()
        await harness.send(user, f"{new_day:%d.%m.%Y} 11:00")
    elif how == "cancel":
        await harness.press(user, EventCb(action="cancel-yes", id=event.id))
    else:
        action = how.removeprefix("holiday-")
        await harness.press(user, HolidayCb(action=action, event=event.id, version=event.version))


@pytest.mark.parametrize("how", ["move", "cancel", "holiday-move", "holiday-cancel"])
async def test_an_event_is_changed_only_together_with_the_notices_of_the_change(
    harness: BotHarness,
    session: AsyncSession,
    translator: Translator,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    how: str,
) -> None:
    """A failure while the notices are queued leaves the event as it was and its reminders
    queued: nobody is left with a moved meeting they were not told of, or told of a
    meeting as it was before."""
    schools = await load_schools(session)
    director = await person(session, Role.DIRECTOR, schools=[schools["47001"]])
    regional = await person(session, Role.REGIONAL_COORDINATOR)
    if how.startswith("holiday-"):
        event = await meeting_on(session, a_coming_holiday(settings), settings)
    else:
        event = await webinar_for_directors(session)
    before = (event.starts_at, event.version, event.status)
    reminder = events.reminder_reference(event, 24 * 60)
    await delivery.enqueue(
        session, "reminder", reminder, [Outgoing(director, Payload("⏰"))], due_at=event.starts_at
    )
    user = TelegramUser(id=telegram_id(regional))

    async def outbox_down(*_: Any) -> int:
        raise OutboxDown()

    with monkeypatch.context() as patched:
        patched.setattr(OutboxRepository, "add_many", outbox_down)
        await change_by_hand(harness, user, event, how, settings)

    async def state() -> tuple[tuple[datetime, int, EventStatus], str, list[str]]:
        found = await session.get(Event, event.id, populate_existing=True)
        assert found is not None
        rows = list(
            await session.scalars(select(OutboxMessage).execution_options(populate_existing=True))
        )
        (old,) = [row for row in rows if row.reference == reminder]
        told = [row.reference for row in rows if row.kind == "event-change"]
        return (found.starts_at, found.version, found.status), old.status, told

    assert await state() == (before, OutboxStatus.PENDING, [])
    # Tried again once the outbox answers: the change, the withdrawal and the notice at once.
    await change_by_hand(harness, user, event, how, settings)
    changed, old_status, told = await state()
    assert changed != before
    assert old_status == OutboxStatus.DROPPED
    assert told
    assert set(told) == {f"event:{event.id}:v2:{changed[2]}"}
