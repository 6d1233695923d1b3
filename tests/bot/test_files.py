"""Files that reach every messenger: an announcement's document composed on Telegram is
kept as bytes and reaches recipients on Telegram (by its file id) and on MAX (uploaded
once, its token reused); a file too large is refused; a file kept before the bytes were
reaches MAX recipients as a line saying so."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiogram.exceptions import TelegramBadRequest
from aiogram.methods import GetFile, SendDocument, SendMessage
from aiogram.types import InlineKeyboardMarkup
from maxapi import Bot as MaxBot
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.conversation.actions import EventCb, MenuCb, PickCb
from bot.conversation.screens import Attachment, Kept, Screen
from bot.conversation.turn import Turn
from bot.i18n import Translator
from bot.max import chat as max_chat
from bot.max.client import close_bot, make_bot
from bot.max.delivery import max_sender
from bot.services import delivery, events, files
from bot.services.audience import Audience
from bot.services.delivery import Outgoing, Payload, PayloadFile
from bot.services.files import ChannelFiles
from bot.settings import load_settings
from scheduler.delivery import DeliveryLoop
from storage.models import (
    Channel,
    FileReference,
    OutboxMessage,
    OutboxStatus,
    Role,
    StoredFile,
)
from tests.bot.conftest import BotHarness
from tests.support.fake_max import FakeMax
from tests.support.people import load_schools, person, telegram_id
from tests.support.updates import TelegramUser

TOKEN = "max-test-token"
ORDER = b"%PDF-1.4 the order of the committee"


@pytest.fixture
async def max_api() -> AsyncIterator[tuple[FakeMax, MaxBot]]:
    fake = FakeMax(TOKEN)
    base = await fake.start()
    bot = make_bot(TOKEN, api_base=base, retries=0)
    try:
        yield fake, bot
    finally:
        await close_bot(bot)
        await fake.stop()


def loop_with_max(
    harness: BotHarness, session_factory: async_sessionmaker[AsyncSession], max_bot: MaxBot
) -> DeliveryLoop:
    sender = max_sender(max_bot, ChannelFiles(session_factory))
    return DeliveryLoop(harness.bot, session_factory, rate=1000, senders={Channel.MAX: sender})


async def test_a_document_composed_on_telegram_reaches_telegram_and_max(
    harness: BotHarness,
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    translator: Translator,
    max_api: tuple[FakeMax, MaxBot],
) -> None:
    fake, max_bot = max_api
    schools = await load_schools(session)
    on_telegram = await person(session, Role.DIRECTOR, schools=[schools["47001"]])
    first_max = await person(
        session, Role.DIRECTOR, schools=[schools["47002"]], name="Макс Первый", channel=Channel.MAX
    )
    second_max = await person(
        session, Role.DIRECTOR, schools=[schools["47101"]], name="Макс Второй", channel=Channel.MAX
    )
    regional = await person(session, Role.REGIONAL_COORDINATOR)
    user = TelegramUser(id=telegram_id(regional))

    await harness.press(user, MenuCb(item="broadcast-new"))
    harness.session.files["order-file"] = ORDER
    document = {
        "file_id": "order-file",
        "file_unique_id": "o1",
        "file_name": "prikaz.pdf",
        "mime_type": "application/pdf",
        "file_size": len(ORDER),
    }
    requests = await harness.send(user, None, document=document, caption="Приказ комитета")
    assert sum(isinstance(r, GetFile) for r in requests) == 1  # downloaded once, here
    stored = await session.scalar(select(StoredFile))
    assert stored is not None
    assert (stored.name, stored.mime_type, stored.size) == (
        "prikaz.pdf",
        "application/pdf",
        len(ORDER),
    )
    await harness.press(user, PickCb(field="aud", value="director"))
    await harness.press(user, PickCb(field="ack", value="0"))
    requests = await harness.press(user, PickCb(field="when", value="now"))
    # The preview is sent by the file id Telegram gave the coordinator's file: no upload.
    (preview,) = [r for r in requests if isinstance(r, SendDocument)]
    assert (preview.document, preview.caption) == ("order-file", "Приказ комитета")
    await harness.press(user, PickCb(field="send", value="yes"))

    queued = list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
    assert len(queued) == 3
    for row in queued:  # the stored file by its id; the bytes stay out of the outbox
        assert row.payload["file"]["id"] == stored.id
        assert len(json.dumps(row.payload)) < 1000

    since = len(harness.session.requests)
    await loop_with_max(harness, session_factory, max_bot).drain_once()

    # Telegram: by the file id, not uploaded again.
    (to_telegram,) = [r for r in harness.session.requests[since:] if isinstance(r, SendDocument)]
    assert int(to_telegram.chat_id) == telegram_id(on_telegram)
    assert to_telegram.document == "order-file"
    # MAX: uploaded once, and the second message attaches the same token.
    assert len(fake.served("POST", "/uploads")) == 1
    assert fake.uploads == {"upload1": ("prikaz.pdf", ORDER)}
    sent = fake.served("POST", "/messages")
    assert sorted(c.user_id or 0 for c in sent) == sorted(
        [first_max.accounts[0].external_id, second_max.accounts[0].external_id]
    )
    for message in sent:
        assert message.text == "Приказ комитета"
        assert message.attachments == [{"type": "file", "payload": {"token": "upload1"}}]
    references = {(r.channel, r.reference) for r in await session.scalars(select(FileReference))}
    assert references == {(Channel.TELEGRAM, "order-file"), (Channel.MAX, "upload1")}
    statuses = (
        await session.scalars(
            select(OutboxMessage.status).execution_options(populate_existing=True)
        )
    ).all()
    assert statuses == [OutboxStatus.SENT] * 3


async def test_a_file_too_large_is_refused_before_downloading(
    harness: BotHarness, session: AsyncSession, translator: Translator
) -> None:
    schools = await load_schools(session)
    await person(session, Role.DIRECTOR, schools=[schools["47001"]])
    municipal = await person(session, Role.MUNICIPAL_COORDINATOR, municipality="Киришский")
    user = TelegramUser(id=telegram_id(municipal))
    await harness.press(user, MenuCb(item="broadcast-new"))
    document = {
        "file_id": "huge",
        "file_unique_id": "h1",
        "file_name": "video.mp4",
        "file_size": 21 * 1024 * 1024,
    }
    requests = await harness.send(user, None, document=document, caption="Запись вебинара")
    assert not [r for r in requests if isinstance(r, GetFile)]
    (refusal,) = [r for r in requests if isinstance(r, SendMessage)]
    assert refusal.text == translator.get("ru", "file-too-large", limit=20)
    assert await session.scalar(select(StoredFile.id)) is None
    # Still composing: the text alone goes on to the audience.
    answer = await harness.replies(user, "Запись вебинара: ссылка в письме")
    assert answer == [translator.get("ru", "broadcast-ask-audience")]


async def test_a_file_telegram_finds_too_big_to_download_is_refused_the_same(
    harness: BotHarness, session: AsyncSession, translator: Translator
) -> None:
    """No size declared (it may be missing): Telegram's getFile refuses it."""
    municipal = await person(session, Role.MUNICIPAL_COORDINATOR, municipality="Киришский")
    user = TelegramUser(id=telegram_id(municipal))
    await harness.press(user, MenuCb(item="broadcast-new"))
    harness.session.fail_next(
        GetFile, TelegramBadRequest(GetFile(file_id="huge"), "Bad Request: file is too big")
    )
    document = {"file_id": "huge", "file_unique_id": "h1", "file_name": "video.mp4"}
    replies = await harness.replies(user, None, document=document, caption="Запись")
    assert replies == [translator.get("ru", "file-too-large", limit=20)]


async def test_a_file_kept_before_the_bytes_reaches_max_as_a_line_saying_so(
    harness: BotHarness,
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    translator: Translator,
    max_api: tuple[FakeMax, MaxBot],
) -> None:
    """A file of an announcement from before migration 0013: a Telegram file id only."""
    fake, max_bot = max_api
    old = StoredFile()
    session.add(old)
    await session.flush()
    session.add(
        FileReference(file_id=old.id, channel=Channel.TELEGRAM, kind="document", reference="old")
    )
    await session.commit()
    on_telegram = await person(session, Role.REGIONAL_COORDINATOR)
    on_max = await person(session, Role.REGIONAL_COORDINATOR, channel=Channel.MAX)
    missing = translator.get("ru", "file-missing")
    payload = Payload("Положение о конкурсе", file=PayloadFile(old.id, "document", missing))
    await delivery.enqueue(
        session, "broadcast", "b:1", [Outgoing(on_telegram, payload), Outgoing(on_max, payload)]
    )
    since = len(harness.session.requests)
    await loop_with_max(harness, session_factory, max_bot).drain_once()
    (to_telegram,) = [r for r in harness.session.requests[since:] if isinstance(r, SendDocument)]
    assert to_telegram.document == "old"
    (to_max,) = fake.served("POST", "/messages")
    assert to_max.text == f"Положение о конкурсе\n\n{missing}"
    assert to_max.attachments == []
    assert fake.served("POST", "/uploads") == []


async def test_schedule_offers_a_webinars_materials_to_its_audience_only(
    harness: BotHarness, session: AsyncSession, translator: Translator
) -> None:
    schools = await load_schools(session)
    director = await person(session, Role.DIRECTOR, schools=[schools["47001"]])
    curator = await person(session, Role.CURATOR, schools=[schools["47001"]], name="Кур Кир")
    materials = await files.keep(
        session,
        ORDER,
        name="plan.pdf",
        mime_type="application/pdf",
        channel=Channel.TELEGRAM,
        reference="plan-file",
    )
    now = datetime.now(UTC)
    event = await events.create_webinar(
        session,
        None,
        title="Вебинар для директоров",
        starts_at=now + timedelta(days=2),
        link="https://w.example.org/1",
        now=now,
        audience=Audience(roles=(Role.DIRECTOR,)),
        materials_id=materials,
    )
    user = TelegramUser(id=telegram_id(director))
    (schedule,) = [r for r in await harness.send(user, "/schedule") if isinstance(r, SendMessage)]
    assert isinstance(schedule.reply_markup, InlineKeyboardMarkup)
    buttons = {
        b.text: b.callback_data for row in schedule.reply_markup.inline_keyboard for b in row
    }
    press = EventCb(action="materials", id=event.id).pack()
    label = translator.get("ru", "button-materials", title="Вебинар для директоров")
    assert buttons[label] == press
    requests = await harness.press(user, press)
    (sent,) = [r for r in requests if isinstance(r, SendDocument)]
    assert (sent.document, sent.caption) == (
        "plan-file",
        translator.get("ru", "event-materials", title="Вебинар для директоров"),
    )
    # Not in a curator's audience: a forged button is refused.
    other = TelegramUser(id=telegram_id(curator))
    assert await harness.alerts(other, press) == [translator.get("ru", "error-access-denied")]


class NoWizard:
    """The ConversationState of a turn outside any wizard."""

    async def get_state(self) -> str | None:
        return None

    async def set_state(self, state: str | None = None) -> None:
        pass

    async def get_data(self) -> dict[str, Any]:
        return {}

    async def set_data(self, data: Mapping[str, Any]) -> None:
        pass

    async def update_data(self, data: Mapping[str, Any] | None = None, **kwargs: Any) -> Any:
        return {}

    async def clear(self) -> None:
        pass


async def test_a_steps_own_screen_with_a_kept_file_uploads_to_max_once(
    session: AsyncSession, translator: Translator, max_api: tuple[FakeMax, MaxBot]
) -> None:
    """A coordinator's preview on MAX goes through the turn like an outbox copy: the first
    shows upload the bytes, the next attach MAX's token."""
    fake, max_bot = max_api
    kept = await files.keep(session, ORDER, name="prikaz.pdf", mime_type=None)
    coordinator = await person(session, Role.REGIONAL_COORDINATOR, channel=Channel.MAX)
    user_id = coordinator.accounts[0].external_id
    turn = Turn(
        session=session,
        participant=coordinator,
        t=translator.for_locale("ru"),
        translator=translator,
        settings=load_settings(_env_file=None),
        state=NoWizard(),
        chat=max_chat.MaxChat(max_bot, user_id, translator),
    )
    preview = Screen("Приказ", attachment=Attachment(Kept(kept)))
    first = await turn.show(preview)
    second = await turn.show(preview)
    assert first.file == "upload1"
    assert second.file is None  # sent by the token: nothing uploaded
    assert len(fake.served("POST", "/uploads")) == 1
    for message in fake.served("POST", "/messages"):
        assert message.attachments == [{"type": "file", "payload": {"token": "upload1"}}]
    reference = await session.scalar(
        select(FileReference.reference).where(FileReference.channel == Channel.MAX)
    )
    assert reference == "upload1"
