"""The parser in the operator's locale: argparse's own words through the locales, and
`Commands`, where each command group adds its parsers and the function that runs them."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from bot.i18n import Localizer
from bot.settings import SUPPORTED_LOCALES, Settings

if TYPE_CHECKING:
    from bot.cli.console import Console

# What a command runs once its arguments are parsed: the process's exit status.
Handler = Callable[[Settings, argparse.Namespace, "Console"], int]

# argparse takes its words from gettext (`argparse._`); these are the ones our commands can
# show, each with its message in the locale (and what Fluent trims off the end). `_` is
# private, but argparse has no public hook for its words short of a compiled gettext
# catalog per locale (see the allow-list in tests/unit/test_no_private_internals.py).
ARGPARSE_WORDS = {
    "usage: ": ("cli-argparse-usage", " "),
    "positional arguments": ("cli-argparse-positionals", ""),
    "options": ("cli-argparse-options", ""),
    "show this help message and exit": ("cli-argparse-help", ""),
    "%(prog)s: error: %(message)s\n": ("cli-argparse-error", "\n"),
    "argument %(argument_name)s: %(message)s": ("cli-argparse-argument", ""),
    "the following arguments are required: %s": ("cli-argparse-required", ""),
    "unrecognized arguments: %s": ("cli-argparse-unrecognized", ""),
    "expected one argument": ("cli-argparse-expected-one", ""),
    "invalid choice: %(value)r (choose from %(choices)s)": ("cli-argparse-invalid-choice", ""),
    "invalid %(type)s value: %(value)r": ("cli-argparse-invalid-value", ""),
    "ambiguous option: %(option)s could match %(matches)s": ("cli-argparse-ambiguous", ""),
}


@contextmanager
def argparse_speaks(t: Localizer) -> Iterator[None]:
    """argparse's own words (usage, section titles, errors) in the locale, while the parser
    is built and used."""
    original = vars(argparse)["_"]

    def translate(message: str) -> str:
        found = ARGPARSE_WORDS.get(message)
        return t(found[0]) + found[1] if found else str(original(message))

    vars(argparse)["_"] = translate
    try:
        yield
    finally:
        vars(argparse)["_"] = original


def requested_locale(argv: Sequence[str]) -> str | None:
    """`--locale X` or `--locale=X` anywhere in the arguments, read before the parser is
    built, since the parser's help is in that locale."""
    for index, arg in enumerate(argv):
        value = None
        if arg == "--locale" and index + 1 < len(argv):
            value = argv[index + 1]
        elif arg.startswith("--locale="):
            value = arg.partition("=")[2]
        if value in SUPPORTED_LOCALES:
            return value
    return None


class Commands:
    """The subcommands of one level (`python -m bot …`, or `python -m bot events …`): a
    command's help is `cli-help-<prefix><name>` in the locale, and every command accepts
    `--locale` (the `common` parent) before or after its name."""

    def __init__(
        self, t: Localizer, subparsers: Any, common: argparse.ArgumentParser, prefix: str = ""
    ) -> None:
        self.t = t
        self._subparsers = subparsers  # argparse's _SubParsersAction: a private type
        self._common = common
        self._prefix = prefix

    def add(self, name: str, handler: Handler | None = None) -> argparse.ArgumentParser:
        """A command; `handler` runs it (a group's commands share their group's)."""
        help_text = self.t(f"cli-help-{self._prefix}{name}")
        parser: argparse.ArgumentParser = self._subparsers.add_parser(
            name, help=help_text, description=help_text, parents=[self._common]
        )
        if handler is not None:
            parser.set_defaults(handler=handler)
        return parser

    def group(self, name: str, handler: Handler) -> Commands:
        """A command whose actions follow it (`events list`), all run by `handler`, which
        reads `args.action`."""
        actions = self.add(name, handler).add_subparsers(
            dest="action", metavar=self.t("cli-metavar-action"), required=True
        )
        return Commands(self.t, actions, self._common, f"{name}-")
