"""Every key the code uses exists in every locale, and the locales agree with each other."""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pytest
from fluent.syntax import FluentParser, ast, visitor

from bot.i18n import Translator
from bot.services.analytics import COMPONENTS
from bot.settings import PROJECT_ROOT, SUPPORTED_LOCALES
from bot.telegram.commands import ALL_COMMANDS
from handlers.broadcasts import ROLE_CHOICES
from handlers.events import WIZARD_AUDIENCES
from storage.models import Attendance, OutboxStatus, Role, SurveyStatus
from tests.support.texts import latin_words

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
    keys.update(
        f"survey-admin-loaded-{outcome}"
        for outcome in ("created", "updated", "unchanged", "new-version")
    )
    keys.update(f"analysis-component-{name}" for name in COMPONENTS)
    return keys


class _Variables(visitor.Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def visit_VariableReference(self, node: ast.VariableReference) -> None:  # noqa: N802
        self.names.add(node.id.name)


LOCALES_DIR = PROJECT_ROOT / "locales"


def messages(locale: str, locales_dir: Path = LOCALES_DIR) -> dict[str, set[str]]:
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


# Every message rendered: numbers at these values meet each Russian plural form (one: 1,
# 21; few: 2, 22; many: 0, 5, 11, 25) and English's one/other.
SAMPLE_NUMBERS = (0, 1, 2, 5, 11, 21, 22, 25)
PLURAL_CATEGORIES = frozenset({"zero", "one", "two", "few", "many", "other"})
REQUIRED_PLURALS = {"ru": {"one", "few", "many"}, "en": {"one", "other"}}
SAMPLE_TEXT = {"ru": "Образец", "en": "Sample"}


class _Selectors(visitor.Visitor):
    """The variables a message selects on: plural ones (numbers) and the rest (their keys)."""

    def __init__(self) -> None:
        super().__init__()
        self.plural: dict[str, set[str]] = {}
        self.keyed: dict[str, set[str]] = {}
        self.plural_selects: list[set[str]] = []

    def visit_SelectExpression(self, node: ast.SelectExpression) -> None:  # noqa: N802
        keys = {
            v.key.name if isinstance(v.key, ast.Identifier) else str(v.key.value)
            for v in node.variants
        }
        if isinstance(node.selector, ast.VariableReference):
            name = node.selector.id.name
            if keys & (PLURAL_CATEGORIES - {"other"}):
                self.plural.setdefault(name, set()).update(keys)
                self.plural_selects.append(keys)
            elif all(key.lstrip("-").isdigit() or key == "other" for key in keys):
                self.plural.setdefault(name, set())  # exact numbers: still a number
            else:
                self.keyed.setdefault(name, set()).update(keys)
        self.generic_visit(node)


def entries(locale: str) -> list[ast.Message]:
    found: list[ast.Message] = []
    for path in sorted((LOCALES_DIR / locale).glob("*.ftl")):
        resource = FluentParser().parse(path.read_text(encoding="utf-8"))
        found += [entry for entry in resource.body if isinstance(entry, ast.Message)]
    return found


def sample_arguments(locale: str, entry: ast.Message) -> list[dict[str, object]]:
    """Arguments for every variable: each selector's values tried in turn, the others kept
    at their first value; numbers at every sample number, keys at every key."""
    names = _Variables()
    names.visit(entry)
    selectors = _Selectors()
    selectors.visit(entry)
    tried: dict[str, list[object]] = {name: list(SAMPLE_NUMBERS) for name in selectors.plural}
    for name, keys in selectors.keyed.items():
        tried.setdefault(name, [*sorted(keys - {"other"}), SAMPLE_TEXT[locale]])
    base: dict[str, object] = dict.fromkeys(names.names, SAMPLE_TEXT[locale])
    base.update({name: values[0] for name, values in tried.items()})
    combos = [base]
    for name, values in tried.items():
        combos += [{**base, name: value} for value in values[1:]]
    return combos


@functools.cache
def render_all(locale: str) -> list[tuple[str, dict[str, object], str, list[Exception]]]:
    from fluent.runtime import FluentBundle, FluentResource

    bundle = FluentBundle([locale], use_isolating=False)
    for path in sorted((LOCALES_DIR / locale).glob("*.ftl")):
        bundle.add_resource(FluentResource(path.read_text(encoding="utf-8")))
    rendered = []
    for entry in entries(locale):
        message = bundle.get_message(entry.id.name)
        patterns = [(entry.id.name, message.value)] if message.value is not None else []
        patterns += [
            (f"{entry.id.name}.{name}", value) for name, value in message.attributes.items()
        ]
        for args in sample_arguments(locale, entry):
            for key, pattern in patterns:
                text, errors = bundle.format_pattern(pattern, args)
                rendered.append((key, args, str(text), list(errors)))
    return rendered


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_every_message_renders_with_every_sample(locale: str) -> None:
    rendered = render_all(locale)
    assert len(rendered) > len(entries(locale))  # numbers and keys were tried
    errors = [(key, args, errs) for key, args, _, errs in rendered if errs]
    assert not errors, f"Fluent errors in {locale}: {errors[:10]}"
    left = [(key, text) for key, _, text, _ in rendered if "{$" in text or "{ $" in text]
    assert not left, f"unrendered placeholders in {locale}: {left[:10]}"


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_every_plural_has_every_form_of_the_language(locale: str) -> None:
    missing = []
    for entry in entries(locale):
        selectors = _Selectors()
        selectors.visit(entry)
        for keys in selectors.plural_selects:
            if not REQUIRED_PLURALS[locale] <= keys:
                missing.append((entry.id.name, sorted(REQUIRED_PLURALS[locale] - keys)))
    assert not missing, f"plural forms missing in {locale}: {missing}"


def test_russian_texts_have_no_english_words() -> None:
    found = sorted(
        {(key, word) for key, _, text, _ in render_all("ru") for word in latin_words(text)}
    )
    assert not found, f"Latin words in Russian texts: {found}"


def test_the_latin_check_finds_english_and_spares_what_is_allowed() -> None:
    # Guards the check itself.
    assert latin_words("Refused: event-in-past") == ["Refused", "event-in-past"]
    assert latin_words("Скачайте .ics для Outlook; отправьте /menu; https://t.me/x") == []
    assert latin_words("Файл Excel или CSV, бот в Telegram и MAX") == []
    assert latin_words("Проверьте BOT_TOKEN (MODE=polling): python -m bot migrate") == []
    assert latin_words("Начать анкету: survey") == ["survey"]
