"""`python -m bot invite create|list|revoke`: invitation codes made and revoked on the
server (the first admin's way in), with the links that open the bot with the code on
Telegram and, with MAX_TOKEN, on MAX."""

from __future__ import annotations

import argparse
import asyncio
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.cli.console import Console, local_time
from bot.cli.max_bot import max_bot_name, start_link
from bot.cli.parsing import Commands
from bot.cli.telegram import bot_username
from bot.i18n import Localizer
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.services.registration import InviteListing

# The roles' codes (storage.models.Role, which would load SQLAlchemy for `--help`).
ROLES = ("director", "curator", "municipal_coordinator", "regional_coordinator", "admin")


def register(commands: Commands) -> None:
    t = commands.t
    number = t("cli-metavar-number")
    invites = commands.group("invite", run)
    creating = invites.add("create")
    creating.add_argument("--role", required=True, choices=ROLES, help=t("cli-help-invite-role"))
    creating.add_argument(
        "--school",
        action="append",
        default=[],
        metavar=t("cli-metavar-code"),
        help=t("cli-help-invite-school"),
    )
    creating.add_argument(
        "--municipality",
        metavar=t("cli-metavar-municipality"),
        help=t("cli-help-invite-municipality"),
    )
    creating.add_argument(
        "--uses", type=int, default=1, metavar=number, help=t("cli-help-invite-uses")
    )
    creating.add_argument(
        "--days", type=int, default=14, metavar=number, help=t("cli-help-invite-days")
    )
    invites.add("list")
    invites.add("revoke").add_argument(
        "id", type=int, metavar=t("cli-metavar-id"), help=t("cli-help-invite-id")
    )


def run(settings: Settings, args: argparse.Namespace, console: Console) -> int:
    return asyncio.run(_invite(settings, args, console))


async def _invite(settings: Settings, args: argparse.Namespace, console: Console) -> int:
    from bot.cli.database import operator_session
    from bot.services import directory, registration
    from bot.services.errors import DomainError, NotFound
    from bot.views import role_name
    from storage.models import Role
    from storage.repositories.directory import SchoolRepository

    async with operator_session(settings) as session:
        try:
            if args.action == "list":
                listings = await registration.list_invites(session)
                if not listings:
                    console.say("cli-invite-none")
                for listing in listings:
                    role = role_name(console.t, listing.invite.role)
                    console.line(_invite_line(console.t, listing, role, settings))
                return 0
            if args.action == "revoke":
                try:
                    await registration.revoke_invite(session, None, args.id)
                except NotFound:  # the bot's text for it speaks of codes typed in chat
                    return console.refuse("cli-invite-revoke-unknown", id=args.id)
                console.say("cli-invite-revoked", id=args.id)
                return 0
            municipality_id = None
            if args.municipality:
                found = (await directory.matcher(session)).match(args.municipality)
                if found is None:
                    return console.refuse("cli-invite-unknown-municipality", name=args.municipality)
                municipality_id = found.id
            schools = await SchoolRepository(session).by_codes(args.school)
            missing = [code for code in args.school if code not in schools]
            if missing:
                return console.refuse(
                    "cli-invite-unknown-schools", count=len(missing), codes=", ".join(missing)
                )
            created = await registration.create_invite(
                session,
                None,
                Role(args.role),
                municipality_id=municipality_id,
                school_ids=[schools[code].id for code in args.school],
                max_uses=args.uses or None,
                ttl=timedelta(days=args.days),
            )
        except DomainError as error:
            return console.refuse_error(error)
    console.say("cli-invite-code", code=created.code)
    # Both asked at once: the operator waits for the slower only.
    username, max_name = await asyncio.gather(bot_username(settings), max_bot_name(settings))
    # Telegram's link unless the bot runs on MAX alone (no token, no BOT_USERNAME).
    if settings.bot_token is not None or settings.bot_username or settings.max_token is None:
        if username:
            console.say("cli-invite-link", link=f"https://t.me/{username}?start={created.code}")
        else:
            console.say("cli-invite-link-unknown", code=created.code)
    if settings.max_token is not None:
        # The same code is MAX's `bot_started` payload.
        if max_name:
            console.say("cli-invite-link-max", link=start_link(max_name, created.code))
        else:
            console.say("cli-invite-link-max-unknown", code=created.code)
    console.say("cli-invite-expires", when=local_time(created.invite.expires_at, settings))
    return 0


def _invite_line(t: Localizer, listing: InviteListing, role: str, settings: Settings) -> str:
    invite = listing.invite
    if invite.school_ids:
        names = [t("cli-invite-school", code=s.code, name=s.short_name) for s in listing.schools]
        names += [t("cli-invite-school-gone", id=i) for i in listing.missing_school_ids]
        scope = t("cli-invite-scope-schools", count=len(names), schools="; ".join(names))
    elif listing.municipality is not None:
        scope = t("cli-invite-scope-municipality", municipality=listing.municipality.name)
    else:
        scope = t("cli-invite-scope-region")
    return t(
        "cli-invite-line",
        id=invite.id,
        role=role,
        uses=invite.uses,
        limit=invite.max_uses or 0,
        until=local_time(invite.expires_at, settings),
        scope=scope,
    )
