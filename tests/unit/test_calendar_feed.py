"""The subscribable calendar (bot/calendar_feed.py) fetched over HTTP as a calendar
application does, and parsed with icalendar."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from icalendar import Calendar
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import calendar_feed, notices
from bot.i18n import Translator
from bot.services import events, registration
from bot.services.audience import Audience
from bot.services.errors import AccessDenied
from bot.settings import Settings, load_settings
from storage.models import Event, Role
from tests.support.people import REVOKE_NOTICE, load_schools, municipality_id, on_telegram, person


@pytest.fixture
def settings() -> Settings:
    return load_settings(_env_file=None)


@pytest.fixture
async def client(
    session_factory: async_sessionmaker[AsyncSession], settings: Settings
) -> AsyncIterator[TestClient[web.Request, web.Application]]:
    app = web.Application()
    calendar_feed.add_routes(app, session_factory, settings)
    async with TestClient(TestServer(app)) as http:
        yield http


async def webinar(session: AsyncSession, title: str, **audience: object) -> Event:
    now = datetime.now(UTC)
    return await events.create_webinar(
        session,
        None,
        title=title,
        starts_at=now + timedelta(days=3),
        link="https://w.example.org/1",
        now=now,
        audience=Audience(**audience),  # type: ignore[arg-type]
    )


async def fetch(http: TestClient[web.Request, web.Application], token: str) -> Calendar:
    response = await http.get(f"/calendar/{token}.ics")
    assert response.status == 200, await response.text()
    assert response.content_type == "text/calendar"
    return Calendar.from_ical(await response.read())


async def status(http: TestClient[web.Request, web.Application], token: str) -> int:
    response = await http.get(f"/calendar/{token}.ics")
    return response.status


async def test_the_feed_follows_a_move_and_a_cancellation_under_one_uid(
    session: AsyncSession,
    client: TestClient[web.Request, web.Application],
    settings: Settings,
    translator: Translator,
) -> None:
    schools = await load_schools(session)
    director = await person(session, Role.DIRECTOR, schools=[schools["47001"]])
    mine = await webinar(session, "Вебинар для директоров", roles=(Role.DIRECTOR,))
    notice = notices.change_notice(translator, settings.zone)
    await webinar(session, "Вебинар для кураторов", roles=(Role.CURATOR,))
    tosno = await municipality_id(session, "Тосненский")
    await webinar(session, "Вебинар Тосненского района", municipality_ids=(tosno,))
    token = await events.feed_token(session, director)

    (before,) = (await fetch(client, token)).walk("VEVENT")  # only the person's own event
    assert str(before["summary"]) == "Вебинар для директоров"
    assert before.decoded("sequence") == 1
    first = await fetch(client, token)
    assert [str(z["tzid"]) for z in first.walk("VTIMEZONE")] == [settings.timezone]

    now = datetime.now(UTC)
    later = mine.starts_at + timedelta(days=1, hours=2)
    await events.move(session, None, mine.id, later, now, notice=notice)
    (moved,) = (await fetch(client, token)).walk("VEVENT")
    assert str(moved["uid"]) == str(before["uid"]) == events.event_uid(mine)
    assert moved.decoded("dtstart") == before.decoded("dtstart") + timedelta(days=1, hours=2)
    assert moved.decoded("sequence") == 2

    await events.cancel(session, None, mine.id, notice=notice)
    (cancelled,) = (await fetch(client, token)).walk("VEVENT")
    assert str(cancelled["uid"]) == str(before["uid"])
    assert str(cancelled["status"]) == "CANCELLED"
    assert cancelled.decoded("sequence") == 3


async def test_a_revoked_or_unknown_address_is_not_found(
    session: AsyncSession, client: TestClient[web.Request, web.Application]
) -> None:
    schools = await load_schools(session)
    director = await person(session, Role.DIRECTOR, schools=[schools["47001"]])
    await webinar(session, "Вебинар для директоров", roles=(Role.DIRECTOR,))
    token = await events.feed_token(session, director)
    assert await status(client, token) == 200
    await events.revoke_feed(session, director)
    assert await status(client, token) == 404
    renewed = await events.feed_token(session, director)
    assert renewed != token
    assert await status(client, renewed) == 200
    assert await status(client, token) == 404
    for forged in ("x" * 32, "short", "%27%20OR%201=1--", "a" * 300):
        assert await status(client, forged) == 404


async def test_the_feed_ends_when_the_person_loses_their_role(
    session: AsyncSession, client: TestClient[web.Request, web.Application]
) -> None:
    schools = await load_schools(session)
    director = await person(session, Role.DIRECTOR, schools=[schools["47001"]])
    await webinar(session, "Вебинар для директоров", roles=(Role.DIRECTOR,))
    token = await events.feed_token(session, director)
    assert await status(client, token) == 200
    regional = await person(session, Role.REGIONAL_COORDINATOR)
    await registration.revoke(session, regional, director.id, notice=REVOKE_NOTICE)
    assert await status(client, token) == 404


async def test_nobody_unregistered_gets_an_address(session: AsyncSession) -> None:
    visitor = on_telegram(1, locale="ru")
    with pytest.raises(AccessDenied):
        await events.feed_token(session, visitor)
