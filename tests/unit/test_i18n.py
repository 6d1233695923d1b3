"""Every key the code uses exists in every locale, and the locales agree with each other."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fluent.syntax import FluentParser, ast, visitor

from bot.commands import ALL_COMMANDS
from bot.i18n import Translator
from bot.services.analytics import COMPONENTS
from bot.settings import PROJECT_ROOT, SUPPORTED_LOCALES
from handlers.broadcasts import ROLE_CHOICES
from handlers.events import WIZARD_AUDIENCES
from storage.models import Attendance, OutboxStatus, Role, SurveyStatus

CODE_DIRS = ("bot", "handlers", "scheduler", "storage")
# `t("key"...)`, `translator.get(locale, "key"...)`, and `t("a" if x else "b")`.
KEY_PATTERNS = (
    re.compile(r"\bt\(\s*[\"']([a-z][a-z0-9-]*)[\"']"),
    re.compile(r"\.get\(\s*[\w.]+,\s*\"([a-z][a-z0-9-]*)\""),
    re.compile(r"\bt\(\s*\"[a-z][a-z0-9-]*\"\s+if\s+.+?\s+else\s+\"([a-z][a-z0-9-]*)\""),
    re.compile(r"\bkey = \"([a-z][a-z0-9-]*)\" if .+? else \"([a-z][a-z0-9-]*)\""),
)
# Domain errors are shown as `error-<reason>`, bad import rows as `import-row-<reason>`.
ERROR_PATTERN = re.compile(r"(?:DomainError|NotFound|ImportFileError)\(\s*\"([a-z][a-z0-9-]*)\"")
ANSWER_ERROR = re.compile(r"AnswerError\(\s*\"([a-z][a-z0-9-]*)\"")
ROW_ERROR_PATTERN = re.compile(r"(?:RowError\(\s*\w+,|RowProblem\()\s*\"([a-z][a-z0-9-]*)\"")


def keys_used_in_code() -> set[str]:
    keys: set[str] = set()
    for directory in CODE_DIRS:
        for path in (PROJECT_ROOT / directory).rglob("*.py"):
            source = path.read_text(encoding="utf-8")
            for pattern in KEY_PATTERNS:
                for found in pattern.findall(source):
                    keys.update([found] if isinstance(found, str) else found)
            keys.update(f"error-{reason}" for reason in ERROR_PATTERN.findall(source))
            keys.update(f"survey-error-{reason}" for reason in ANSWER_ERROR.findall(source))
            keys.update(f"import-row-{reason}" for reason in ROW_ERROR_PATTERN.findall(source))
    # Keys built from a name: one per command and per language.
    keys.update(f"cmd-{name}" for name in ALL_COMMANDS)
    keys.update(f"lang-name-{locale}" for locale in SUPPORTED_LOCALES)
    keys.update(f"role-{role.value}" for role in Role)
    keys.update({"role-none", "error-access-denied"})
    keys.update(f"rsvp-{answer.value}" for answer in Attendance)
    keys.update(f"schedule-answer-{value}" for value in ("yes", "no", "none"))
    keys.update(f"audience-{kind}" for kind in WIZARD_AUDIENCES)
    keys.update(f"audience-{role.value}" for role in ROLE_CHOICES)
    keys.update(f"delivery-{status.value}" for status in OutboxStatus)
    keys.update(f"broadcast-{stage}" for stage in ("sending", "done", "cancelled"))
    keys.update(f"survey-school-{status}" for status in ("not_started", "in_progress"))
    keys.update(f"survey-admin-status-{status.value}" for status in SurveyStatus)
    keys.update(f"survey-admin-loaded-{outcome}"
                for outcome in ("created", "updated", "unchanged", "new-version"))  # fmt: skip
    keys.update(f"analysis-component-{name}" for name in COMPONENTS)
    return keys


class _Variables(visitor.Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def visit_VariableReference(self, node: ast.VariableReference) -> None:  # noqa: N802
        self.names.add(node.id.name)


def messages(locale: str, locales_dir: Path = PROJECT_ROOT / "locales") -> dict[str, set[str]]:
    """Each message id of a locale with the variables it uses; parse errors fail the test."""
    found: dict[str, set[str]] = {}
    for path in sorted((locales_dir / locale).glob("*.ftl")):
        resource = FluentParser().parse(path.read_text(encoding="utf-8"))
        for entry in resource.body:
            assert not isinstance(entry, ast.Junk), f"{path}: cannot parse {entry.content!r}"
            if isinstance(entry, ast.Message):
                assert entry.id.name not in found, f"{path}: {entry.id.name} defined twice"
                variables = _Variables()
                variables.visit(entry)
                found[entry.id.name] = variables.names
    return found


def test_the_key_scanner_finds_keys() -> None:
    # Guards the test itself: a broken pattern would find nothing and pass.
    assert {
        "start-welcome",
        "error-apology",
        "cancel-done",
        "cancel-nothing",
    } <= keys_used_in_code()


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_every_key_used_in_code_exists(locale: str) -> None:
    missing = keys_used_in_code() - set(messages(locale))
    assert not missing, f"missing in locales/{locale}: {sorted(missing)}"


def test_locales_have_the_same_keys_and_variables() -> None:
    ru, en = messages("ru"), messages("en")
    assert set(ru) ^ set(en) == set(), f"only in one locale: {sorted(set(ru) ^ set(en))}"
    differing = {key for key in ru if ru[key] != en[key]}
    assert not differing, f"variables differ between ru and en: {sorted(differing)}"


def test_language_code_picks_the_locale(translator: Translator) -> None:
    assert translator.resolve_locale("en") == "en"
    assert translator.resolve_locale("en-GB") == "en"
    assert translator.resolve_locale("ru") == "ru"
    assert translator.resolve_locale("uk") == "ru"  # unsupported: the default
    assert translator.resolve_locale(None) == "ru"


def test_missing_key_falls_back_to_the_key_and_no_isolation_marks(translator: Translator) -> None:
    assert translator.get("en", "no-such-key") == "no-such-key"
    text = translator.get("ru", "lang-set")
    assert "\u2068" not in text
    assert "\u2069" not in text
