"""The subscribable calendar: `GET /calendar/{token}.ics` answers with the events of the
person whose private token it is, as the `.ics` of /schedule (one UID per event for its
whole life, SEQUENCE, VTIMEZONE, cancellations as STATUS:CANCELLED), so Yandex, Google
and Outlook calendars that poll the address follow moves and cancellations.

`add_routes` puts it on any aiohttp application: the webhook server's now, the HTTP_PORT
server's too once there is one."""

from __future__ import annotations

import logging

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.services import events
from bot.settings import Settings
from storage.types import utcnow

logger = logging.getLogger(__name__)

PATH = "/calendar/{token}.ics"


def calendar_feed_url(base: str, token: str) -> str:
    """The address a person subscribes to; `base` is `Settings.calendar_feed_base`."""
    return base.rstrip("/") + PATH.format(token=token)


def add_routes(
    app: web.Application,
    session_factory: async_sessionmaker[AsyncSession],
    settings: Settings,
) -> None:
    async def feed(request: web.Request) -> web.Response:
        async with session_factory() as session:
            found = await events.feed(session, request.match_info["token"], utcnow())
            if found is None:
                # An unknown or revoked token, or a person without a role: nothing to say
                # which, and no token in the log.
                raise web.HTTPNotFound(text="Not Found")
            body = events.to_ics(found, settings.zone, utcnow())
        return web.Response(
            body=body,
            content_type="text/calendar",
            charset="utf-8",
            # Personal: shared caches must not keep it; calendars poll for changes anyway.
            headers={"Cache-Control": "private, no-cache"},
        )

    app.router.add_get(PATH, feed)
