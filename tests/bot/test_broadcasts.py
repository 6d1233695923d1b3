"""Announcements through the dispatcher: compose, preview, send, acknowledge, cancel."""

from __future__ import annotations

from aiogram.methods import EditMessageReplyMarkup, SendMessage
from aiogram.types import InlineKeyboardMarkup
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import notices
from bot.conversation.actions import AckCb, BroadcastCb, MenuCb, PickCb, RemindCb
from bot.i18n import Translator
from storage.models import (
    Acknowledgement,
    Broadcast,
    BroadcastStatus,
    Channel,
    OutboxMessage,
    OutboxStatus,
    Role,
)
from storage.types import utcnow
from tests.bot.conftest import BotHarness
from tests.support.people import load_schools, person, telegram_id
from tests.support.updates import TelegramUser


async def test_a_coordinator_composes_previews_and_sends_an_announcement(
    harness: BotHarness, session: AsyncSession, translator: Translator
) -> None:
    schools = await load_schools(session)
    director = await person(session, Role.DIRECTOR, schools=[schools["47001"]])
    await person(session, Role.DIRECTOR, schools=[schools["47101"]], name="Тосно Директор")
    municipal = await person(session, Role.MUNICIPAL_COORDINATOR, municipality="Киришский")
    user = TelegramUser(id=telegram_id(municipal))
    await harness.press(user, MenuCb(item="broadcast-new"))
    assert harness.sent_to(user)[-1].text == translator.get("ru", "broadcast-ask-content")
    entities = [{"type": "bold", "offset": 0, "length": 6}]
    await harness.send(user, "Важно: сдать отчёт до пятницы", entities=entities)
    # Forged choices: no such audience, no such event.
    denied = [translator.get("ru", "error-access-denied")]
    assert await harness.alerts(user, PickCb(field="aud", value="aliens")) == denied
    assert await harness.alerts(user, PickCb(field="declined", value="x1")) == denied
    assert await harness.alerts(user, PickCb(field="declined", value="999")) == [
        translator.get("ru", "error-event-unknown")
    ]
    await harness.press(user, PickCb(field="aud", value="director"))
    size = harness.sent_to(user)[-1].text or ""
    assert size.startswith(translator.get("ru", "broadcast-audience-size", count=1))
    await harness.press(user, PickCb(field="ack", value="1"))
    requests = await harness.press(user, PickCb(field="when", value="now"))
    texts = [r.text for r in requests if isinstance(r, SendMessage)]
    assert texts[1] == "<b>Важно:</b> сдать отчёт до пятницы"  # exactly as recipients see it
    assert texts[2].startswith(translator.get("ru", "broadcast-confirm", count=1, when="")[:20])
    await harness.press(user, PickCb(field="send", value="yes"))
    broadcast = await session.scalar(select(Broadcast))
    assert broadcast is not None
    assert broadcast.progress_message_id is not None
    assert broadcast.acknowledge
    (row,) = list(await session.scalars(select(OutboxMessage)))
    assert row.participant_id == director.id
    assert row.payload["buttons"][0][0]["text"] == "Ознакомлен"

    # The director acknowledges: the button changes, the report counts it.
    reader = TelegramUser(id=telegram_id(director))
    requests = await harness.press(reader, AckCb(broadcast=broadcast.id))
    (edit,) = [r for r in requests if isinstance(r, EditMessageReplyMarkup)]
    assert edit.reply_markup.inline_keyboard[0][0].text == "✅ Ознакомлен"  # type: ignore[union-attr]
    assert await session.scalar(select(Acknowledgement.participant_id)) == director.id

    # Someone else's acknowledgement by a forged button is refused.
    other = await person(session, Role.CURATOR, schools=[schools["47001"]], name="Кур Кир")
    refused = await harness.alerts(
        TelegramUser(id=telegram_id(other)), AckCb(broadcast=broadcast.id)
    )
    assert refused == [translator.get("ru", "error-access-denied")]

    # The coordinator stops it (nothing was delivered yet: the loop is not running here).
    await harness.press(user, BroadcastCb(action="cancel", id=broadcast.id))
    refreshed = await session.scalar(select(Broadcast).execution_options(populate_existing=True))
    assert refreshed is not None
    assert refreshed.status == BroadcastStatus.CANCELLED


async def test_particular_schools_by_their_codes(
    harness: BotHarness, session: AsyncSession, translator: Translator
) -> None:
    schools = await load_schools(session)
    await person(session, Role.DIRECTOR, schools=[schools["47001"]])
    await person(session, Role.DIRECTOR, schools=[schools["47002"]], name="Вторая Школа")
    await person(session, Role.DIRECTOR, schools=[schools["47101"]], name="Тосно Директор")
    municipal = await person(session, Role.MUNICIPAL_COORDINATOR, municipality="Киришский")
    user = TelegramUser(id=telegram_id(municipal))
    await harness.press(user, MenuCb(item="broadcast-new"))
    await harness.send(user, "Только для двух школ")
    await harness.press(user, PickCb(field="aud", value="schools"))
    assert await harness.reply_text(user, "47001, 99999") == translator.get(
        "ru", "broadcast-unknown-schools", codes="99999"
    )
    # A school of another municipality is outside a municipal coordinator's reach: said so.
    assert await harness.reply_text(user, "47001 47101") == translator.get(
        "ru", "error-audience-schools-elsewhere", codes="47101"
    )
    answer = await harness.reply_text(user, "47001")
    assert answer.startswith(translator.get("ru", "broadcast-audience-size", count=1))


async def test_a_second_reminder_the_same_day_asks_first(
    harness: BotHarness, session: AsyncSession, translator: Translator
) -> None:
    schools = await load_schools(session)
    director = await person(session, Role.DIRECTOR, schools=[schools["47001"]])
    regional = await person(session, Role.REGIONAL_COORDINATOR)
    broadcast = Broadcast(text="Прочтите", acknowledge=True, send_at=utcnow(), recipients=1)
    session.add(broadcast)
    await session.flush()
    session.add(
        OutboxMessage(
            kind="broadcast",
            reference=f"broadcast:{broadcast.id}",
            participant_id=director.id,
            channel=Channel.TELEGRAM,
            chat_id=telegram_id(director),
            payload={},
            due_at=broadcast.send_at,
            status=OutboxStatus.SENT,
        )
    )
    await session.commit()
    user = TelegramUser(id=telegram_id(regional))

    async def reminders() -> int:
        found = await session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "broadcast-reminder")
        )
        return len(list(found))

    press = BroadcastCb(action="remind", id=broadcast.id)
    assert await harness.alerts(user, press) == ["Напоминание отправится 1 получателю."]
    assert await reminders() == 1
    requests = await harness.press(user, press)
    (question,) = [r for r in requests if isinstance(r, SendMessage)]
    assert (question.text or "").startswith("Последнее напоминание отправлено сегодня в ")
    assert await reminders() == 1
    markup = question.reply_markup
    assert isinstance(markup, InlineKeyboardMarkup)
    again = RemindCb(kind="broadcast", id=broadcast.id, number=2)
    assert markup.inline_keyboard[0][0].callback_data == again.pack()
    assert markup.inline_keyboard[1][0].text == translator.get("ru", "button-menu")
    assert await harness.alerts(user, again) == ["Напоминание отправится 1 получателю."]
    assert await reminders() == 2
    (twice,) = await harness.alerts(user, again)
    assert twice.startswith("Это напоминание уже отправлено сегодня в ")
    assert await reminders() == 2


async def test_pressing_acknowledged_on_ones_own_preview_says_it_is_a_preview(
    harness: BotHarness, session: AsyncSession, translator: Translator
) -> None:
    schools = await load_schools(session)
    await person(session, Role.DIRECTOR, schools=[schools["47001"]])
    municipal = await person(session, Role.MUNICIPAL_COORDINATOR, municipality="Киришский")
    user = TelegramUser(id=telegram_id(municipal))
    await harness.press(user, MenuCb(item="broadcast-new"))
    await harness.send(user, "Сдать отчёт")
    await harness.press(user, PickCb(field="aud", value="director"))
    await harness.press(user, PickCb(field="ack", value="1"))
    requests = await harness.press(user, PickCb(field="when", value="now"))
    preview = [r for r in requests if isinstance(r, SendMessage)][1]
    assert isinstance(preview.reply_markup, InlineKeyboardMarkup)
    button = preview.reply_markup.inline_keyboard[0][0]
    assert button.text == "Ознакомлен"
    assert await harness.alerts(user, str(button.callback_data)) == [
        translator.get("ru", "error-broadcast-preview")
    ]
    assert await session.scalar(select(Acknowledgement.participant_id)) is None


async def test_the_card_offers_to_resend_what_failed_or_may_not_have_arrived(
    harness: BotHarness, session: AsyncSession, translator: Translator
) -> None:
    schools = await load_schools(session)
    first = await person(session, Role.DIRECTOR, schools=[schools["47001"]])
    await person(session, Role.DIRECTOR, schools=[schools["47002"]], name="Вторая Школа")
    municipal = await person(session, Role.MUNICIPAL_COORDINATOR, municipality="Киришский")
    user = TelegramUser(id=telegram_id(municipal))
    await harness.press(user, MenuCb(item="broadcast-new"))
    await harness.send(user, "Сдайте отчёт")
    await harness.press(user, PickCb(field="aud", value="director"))
    await harness.press(user, PickCb(field="ack", value="0"))
    await harness.press(user, PickCb(field="when", value="now"))
    await harness.press(user, PickCb(field="send", value="yes"))
    broadcast = await session.scalar(select(Broadcast))
    assert broadcast is not None
    # The bot was killed while one copy was on the wire; the other arrived.
    for row in await session.scalars(select(OutboxMessage)):
        is_first = row.participant_id == first.id
        row.status = OutboxStatus.AMBIGUOUS if is_first else OutboxStatus.SENT
    broadcast.status = BroadcastStatus.DONE
    await session.commit()

    await harness.press(user, BroadcastCb(action="card", id=broadcast.id))
    card = harness.sent_to(user)[-1]
    assert "без подтверждения: 1" in (card.text or "")
    assert translator.get("ru", "broadcast-ambiguous-explained", count=1) in (card.text or "")
    labels = [b.text for row in card.reply_markup.inline_keyboard for b in row]  # type: ignore[union-attr]
    resend_label = translator.get("ru", "button-broadcast-resend", count=1)
    assert resend_label in labels
    resend = BroadcastCb(action="resend", id=broadcast.id)
    assert await harness.alerts(user, resend) == [translator.get("ru", "broadcast-resent", count=1)]
    # Pressed twice: nothing is sent twice.
    assert await harness.alerts(user, resend) == [
        translator.get("ru", "broadcast-nothing-to-resend")
    ]
    statuses = set(
        await session.scalars(
            select(OutboxMessage.status).execution_options(populate_existing=True)
        )
    )
    assert statuses == {OutboxStatus.PENDING, OutboxStatus.SENT}


async def test_a_reminder_of_an_announcement_says_it_is_a_reminder(
    harness: BotHarness, session: AsyncSession, translator: Translator
) -> None:
    """«Напомнить не ознакомившимся» is not a second copy that looks like the first."""
    schools = await load_schools(session)
    director = await person(session, Role.DIRECTOR, schools=[schools["47001"]])
    regional = await person(session, Role.REGIONAL_COORDINATOR)
    broadcast = Broadcast(
        text="Сдайте отчёт до пятницы", acknowledge=True, send_at=utcnow(), recipients=1
    )
    session.add(broadcast)
    await session.flush()
    original = notices.announcement(translator.for_locale("ru"), broadcast)
    session.add(
        OutboxMessage(
            kind="broadcast",
            reference=f"broadcast:{broadcast.id}",
            participant_id=director.id,
            channel=Channel.TELEGRAM,
            chat_id=telegram_id(director),
            payload=original.as_json(),
            due_at=broadcast.send_at,
            status=OutboxStatus.SENT,
        )
    )
    await session.commit()
    await harness.press(
        TelegramUser(id=telegram_id(regional)), BroadcastCb(action="remind", id=broadcast.id)
    )
    reminder = await session.scalar(
        select(OutboxMessage).where(OutboxMessage.kind == "broadcast-reminder")
    )
    assert reminder is not None
    text = str(reminder.payload["text"])
    assert text != original.text
    assert text.startswith("⏰ " + translator.get("ru", "broadcast-reminder-lead"))
    assert "Сдайте отчёт до пятницы" in text
    labels = [b["text"] for line in reminder.payload["buttons"] for b in line]
    assert labels == [translator.get("ru", "button-acknowledge")]
