"""The `maxapi` Bot the adapter talks through: MAX's address, the trusted CA, the retries."""

from __future__ import annotations

import ssl
from pathlib import Path

from aiohttp import TCPConnector
from maxapi import Bot
from maxapi.client.default import DefaultConnectionProperties
from maxapi.client.ssl import create_default_ssl_context
from maxapi.enums.parse_mode import TextFormat


class CaFileError(Exception):
    """MAX_CA_FILE names no readable PEM certificate."""


def ssl_context(ca_file: Path | None) -> ssl.SSLContext:
    """The system's roots and the Russian Trusted Root CA, which MAX's API host has been
    certified by since July 2026 and certifi lacks: maxapi ships a copy; `ca_file`
    (MAX_CA_FILE) adds the operator's own, for a newer root or a proxy's."""
    context = create_default_ssl_context()
    if ca_file is None:
        return context
    try:
        context.load_verify_locations(cafile=ca_file)
    except FileNotFoundError:
        raise CaFileError(f"MAX_CA_FILE: no file {ca_file}") from None
    except (ssl.SSLError, OSError) as error:
        raise CaFileError(f"MAX_CA_FILE: {ca_file} is not a PEM certificate: {error}") from None
    return context


def make_bot(
    token: str,
    *,
    api_base: str | None = None,
    ca_file: Path | None = None,
    retries: int = 3,
) -> Bot:
    """A Bot whose session checks MAX's certificate against `ssl_context(ca_file)`.
    `retries`: maxapi's own repeats of a call after 502/503/504 or a lost connection (the
    delivery loop, which retries itself, wants 0). Close it with `close_bot`."""
    connector = TCPConnector(ssl=ssl_context(ca_file))
    bot = Bot(
        token,
        format=TextFormat.HTML,
        # The chat and the sender come with each update; no extra calls to fill them in.
        auto_requests=False,
        default_connection=DefaultConnectionProperties(max_retries=retries, connector=connector),
    )
    if api_base is not None:
        bot.set_api_url(api_base)
    return bot


async def close_bot(bot: Bot) -> None:
    """The session, and the connector, which maxapi leaves to whoever passed it in."""
    await bot.close_session()
    connector = bot.default_connection.kwargs.get("connector")
    if isinstance(connector, TCPConnector):
        await connector.close()
