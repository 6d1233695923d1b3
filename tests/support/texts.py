"""What a Russian text must not have: Latin words other than code, acronyms and the few
names a Russian reader expects (shared by the locale checks and the walk through the bot)."""

from __future__ import annotations

import re
from typing import get_args

from bot.services.survey_definitions import Question, QuestionType, Scale, ShowIf, SurveyDefinition
from bot.settings import SUPPORTED_LOCALES
from storage.models import Role

# Latin in Russian text that a Russian reader expects: brands and formats; and the values
# an operator types (role codes for `invite create --role`, locale codes).
LATIN_ALLOWED = frozenset(
    {"Telegram", "MAX", "Excel", "Redis", "PostgreSQL", "SQLite", "Bot", "English", "Outlook"}
    | {"Google", "true", "false"}
    | {role.value for role in Role}
    | set(SUPPORTED_LOCALES)
    # the survey file format's own field names and question types, named in its problems
    | {name for model in (SurveyDefinition, Question, ShowIf, Scale) for name in model.model_fields}
    | set(get_args(QuestionType))
)
# What is code, not words: links, /commands, command lines and options, settings and
# their values, identifiers, file extensions, argparse's and HTML's placeholders.
NOT_WORDS = re.compile(
    "|".join(
        (
            r"[a-z+]+://\S*",  # https://…, sqlite+aiosqlite://
            r"(?<![\w/])/[a-z_]+",  # /menu
            r"python -m bot(?: --?[\w-]+| [a-z][\w-]*)*",  # a command line to type
            r"--[a-z][\w-]*",
            r"@\w+",
            r"\b\w+(?:_\w+)+(?:=\S+)?",  # BOT_TOKEN, school_help_bot, REDIS_URL
            r"\b[A-Z]+=\S+",  # MODE=polling
            r"\b[a-z]+=[\d.]+",  # surveys=0.3
            r"\b\d+[hm]\b",  # 24h, 30m
            r"\b[A-Z][a-z]+/[A-Z][\w/]+",  # Europe/Moscow
            r"\.(?:ics|xlsx|csv|yaml|yml|png|env)\b",
            r"\b[\w-]+(?:/[\w-]+)*\.md\b",  # docs/deploy.md
            r"\?\w+=",  # a link's query: …?start=
            r"%\(\w+\)[sdr]|%[sdr]",
            r"<code>[^<]*</code>",  # an invite code, a value to copy
            r"«[\w.-]+»",  # an identifier quoted: a survey file's question or field
            r"&\w+;|<[^>]+>",
            r"UTF-8",
        )
    )
)
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")


def latin_words(text: str) -> list[str]:
    """Latin words in a Russian text that are not code, an acronym (DEBUG, CSV, ID) or on
    the allow-list."""
    words = LATIN_WORD.findall(NOT_WORDS.sub(" ", text))
    return [w for w in words if not (w.isupper() and len(w) > 1) and w not in LATIN_ALLOWED]
