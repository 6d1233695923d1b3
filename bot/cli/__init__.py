"""`python -m bot [run|migrate|check|backup|restore|schools|invite|events|survey|report]`:
the bot and its operator commands.

The command line speaks the bot's locale (`--locale`, default `DEFAULT_LOCALE`), argparse's
own words included, with the bot's messages (`error-<reason>` for a refusal). Each command
group is a module of this package with `register(commands)`, which adds its parser and the
function that runs it; that function imports what the command needs (SQLAlchemy, the
services, aiogram for `run`), so `--help` and the parsing load none of it.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

from bot import logs
from bot.cli import (
    backup,
    check,
    events,
    invite,
    migrate,
    report,
    restore,
    schools,
    serve,
    survey,
)
from bot.cli.console import EXIT_CONFIG, EXIT_REFUSED, EXIT_UNAVAILABLE, Console
from bot.cli.parsing import Commands, Handler, argparse_speaks, requested_locale
from bot.i18n import Localizer, Translator
from bot.settings import SUPPORTED_LOCALES, Settings, SettingsError, load_settings

__all__ = ["EXIT_CONFIG", "EXIT_REFUSED", "EXIT_UNAVAILABLE", "build_parser", "main"]

# In the order `--help` lists them.
GROUPS = (serve, migrate, check, backup, restore, schools, invite, events, survey, report)


def build_parser(t: Localizer) -> argparse.ArgumentParser:
    """The whole command line, its help in `t`'s locale (call inside `argparse_speaks`)."""
    # --locale is accepted before the command and after it (`parents`); SUPPRESS keeps a
    # subcommand from overwriting the value given before it.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--locale",
        choices=SUPPORTED_LOCALES,
        default=argparse.SUPPRESS,
        metavar=t("cli-metavar-locale"),
        help=t("cli-help-locale"),
    )
    parser = argparse.ArgumentParser(
        prog="python -m bot", description=t("cli-description"), parents=[common]
    )
    commands = parser.add_subparsers(dest="command", metavar=t("cli-metavar-command"))
    for group in GROUPS:
        group.register(Commands(t, commands, common))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    settings: Settings | None = None
    problem: SettingsError | None = None
    try:
        settings = load_settings()
    except SettingsError as exc:  # reported after parsing: --help works with bad settings
        problem = exc
    fallback = os.environ.get("DEFAULT_LOCALE", "ru")
    locale = requested_locale(argv) or (
        settings.default_locale if settings else fallback if fallback in SUPPORTED_LOCALES else "ru"
    )
    translator = Translator(locale)
    console = Console(translator.for_locale(locale))
    with argparse_speaks(console.t):
        args = build_parser(console.t).parse_args(argv)
    if settings is None:
        assert problem is not None
        for line in setting_problems(console.t, problem):
            print(line, file=sys.stderr)
        return EXIT_CONFIG
    logs.setup_logging(settings)
    if args.command not in (None, "run"):
        # An operator command says what it did in the locale; the log's English INFO lines
        # ("Database migrated …") would only repeat it. Warnings and errors still show.
        logging.getLogger().setLevel(max(logging.WARNING, logging.getLogger().level))
    handler: Handler = getattr(args, "handler", serve.run)  # no command: the bot runs
    return handler(settings, args, console)


def setting_problems(t: Localizer, error: SettingsError) -> list[str]:
    """Each invalid setting as a line in the locale (values of secrets are never shown)."""
    lines = []
    for found in error.problems:
        key = found.kind if found.kind.startswith("setting-") else f"setting-{found.kind}"
        known = t.translator.has(t.locale, key)
        reason = t(key if known else "setting-invalid", **found.args)
        if found.name:
            lines.append(t("cli-bad-setting", name=found.name, reason=reason))
        else:
            lines.append(t("cli-bad-settings", reason=reason))
    return lines or [str(error)]
