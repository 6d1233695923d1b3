"""The operator's command line as the operator meets it: `bot.cli.main` with its output
captured (and `python -m bot` in a subprocess where the process itself matters), in
Russian and in English."""

from __future__ import annotations

import importlib
import pkgutil
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

import bot.cli
from bot.i18n import Translator
from bot.settings import PROJECT_ROOT
from tests.support.cli import Cli, english_words, run_in_process
from tests.support.fake_max import FakeMax
from tests.support.people import SCHOOLS_CSV
from tests.support.threaded import served_in_a_thread


# Latin words a Russian sentence may hold: names (of the program, services, formats) and
# the codes an operator types (commands, roles, locales).
@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Cli]:
    yield from run_in_process(tmp_path, monkeypatch, "cli.sqlite3")


def test_the_english_detector_flags_english_and_spares_names() -> None:
    # Guards the helper: a detector that found nothing would let every test pass.
    assert english_words("Nothing written yet: run again with --apply.") == [
        "Nothing",
        "written",
        "yet",
        "again",
        "with",
    ]
    assert english_words("Отказано: event-in-past") == ["event", "in", "past"]
    assert english_words("Refused: time data 'завтра' does not match format") != []
    assert english_words("Создано: python -m bot invite create --role director, s.csv") == []
    assert english_words("Укажите BOT_TOKEN=… в .env; https://t.me/x?start=abc") == []


HELP_PAGES = [
    [],
    ["run"],
    ["migrate"],
    ["check"],
    ["backup"],
    ["restore"],
    ["schools"],
    ["schools", "import"],
    ["schools", "export"],
    ["schools", "archive"],
    ["invite"],
    ["invite", "create"],
    ["invite", "list"],
    ["invite", "revoke"],
    ["events"],
    ["events", "list"],
    ["events", "series"],
    ["events", "import"],
    ["events", "move"],
    ["events", "cancel"],
    ["survey"],
    ["survey", "load"],
    ["survey", "open"],
    ["survey", "close"],
    ["survey", "list"],
    ["report"],
]


@pytest.mark.parametrize("page", HELP_PAGES, ids=lambda page: " ".join(page) or "main")
def test_every_help_page_is_russian(cli: Cli, page: list[str]) -> None:
    shown = cli(*page, "--help")
    assert shown.status == 0, shown.err
    assert shown.out.startswith("Использование: python -m bot")
    assert english_words(shown.out) == [], shown.out


def test_help_in_english_with_the_locale_option(cli: Cli) -> None:
    shown = cli("--locale", "en", "invite", "create", "--help")
    assert shown.out.startswith("usage: python -m bot invite create")
    words = " ".join(shown.out.split())  # argparse wraps the lines to the terminal's width
    assert "a school code (repeat it for a curator's several schools)" in words
    # The option is taken after the command too.
    assert cli("survey", "list", "--locale", "en").out.startswith("No surveys.")


def test_argparse_errors_speak_the_locale(cli: Cli) -> None:
    missing = cli("invite", "create")
    assert missing.status == 2
    assert "python -m bot invite create: ошибка: не указаны обязательные аргументы: --role" in (
        missing.err
    )
    assert english_words(missing.err) == [], missing.err
    wrong = cli("invite", "revoke", "x")
    assert "аргумент НОМЕР: нужно целое число, а указано 'x'" in wrong.err
    choice = cli("invite", "create", "--role", "king")
    assert "недопустимое значение 'king' (допустимые: 'director'" in choice.err
    assert "unrecognized" not in cli("survey", "list", "--extra").err
    english = cli("invite", "create", locale="en")
    assert "error: the following arguments are required: --role" in english.err


def test_a_whole_session_in_russian_has_no_english(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "schools.csv").write_text(SCHOOLS_CSV, encoding="utf-8")
    (tmp_path / "webinars.csv").write_text(
        "Дата;Время;Название;Ссылка\n10.12.2099;15:00;Наставничество;https://w.example.org/1\n",
        encoding="utf-8",
    )
    runs = [
        cli("migrate"),
        cli("migrate"),
        cli("check"),
        cli("schools", "import", "schools.csv"),
        cli("schools", "import", "schools.csv", "--apply"),
        cli("schools", "import", "schools.csv", "--apply"),
        cli("schools", "import", "missing.csv"),
        cli("schools", "export", "out.xlsx"),
        cli("invite", "list"),
        cli("invite", "create", "--role", "director", "--school", "47001"),
        cli("invite", "create", "--role", "curator", "--school", "47001", "--school", "99999"),
        cli("invite", "create", "--role", "municipal_coordinator", "--municipality", "Нигде"),
        cli("invite", "list"),
        cli("invite", "revoke", "1"),
        cli("invite", "revoke", "1"),
        cli("events", "list"),
        cli("events", "series", "--link", "https://meet.example.org/org"),
        cli("events", "series", "--link", "https://meet.example.org/org", "--time", "25:00"),
        cli("events", "list"),
        cli("events", "import", "webinars.csv"),
        cli("events", "import", "webinars.csv", "--apply"),
        cli("events", "move", "1", "--to", "01.02.2020 10:00"),
        cli("events", "move", "1", "--to", "2099-03-02 10:00"),
        cli("events", "cancel", "1"),
        cli("events", "cancel", "1"),
        cli("survey", "list"),
        cli("survey", "load", str(PROJECT_ROOT / "data/surveys/pulse.yaml")),
        cli("survey", "load", str(PROJECT_ROOT / "data/surveys/pulse.yaml")),
        cli("survey", "open", "pulse", "--closes", "01.01.2099 18:00"),
        cli("survey", "open", "nothing", "--closes", "01.01.2099 18:00"),
        cli("survey", "list"),
        cli("survey", "close", "pulse"),
        cli("report", "pulse", "--out", str(tmp_path / "reports")),
        cli("report", "pulse", "--out", str(tmp_path / "reports"), "--from", "вчера"),
        cli("report", "nothing", "--out", str(tmp_path / "reports")),
        cli("schools", "archive", "47001"),
        cli("schools", "archive", "47001"),
    ]
    printed = "\n".join(run.text for run in runs)
    assert "Traceback" not in printed
    codes = re.findall(r"Код приглашения: ([\w-]+)", printed)
    assert len(codes) == 1
    assert english_words(printed.replace(codes[0], ""), allowed={"pulse", "nothing"}) == [], printed
    # Every refusal is a sentence on stderr (`check` names the missing token in its report).
    refused = [run for run in runs[3:] if run.status != 0]
    assert all(run.err.strip() for run in refused), [r.text for r in refused]
    t = Translator("ru").for_locale("ru")
    assert runs[1].out.strip().endswith("Изменений нет.")
    assert runs[3].out.strip().endswith(t("cli-import-dry-run"))
    assert runs[5].out.strip().endswith(t("import-nothing-to-do"))  # not «Applied.»
    assert runs[6].err.strip() == t("cli-file-missing", file="missing.csv")
    assert runs[21].err.strip() == t("error-event-in-past")
    assert runs[24].err.strip() == t("error-event-cancelled")


def test_english_session_says_the_same_in_english(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "schools.csv").write_text(SCHOOLS_CSV, encoding="utf-8")
    t = Translator("en").for_locale("en")
    assert (
        cli("schools", "import", "schools.csv", locale="en")
        .out.strip()
        .endswith(t("cli-import-dry-run"))
    )
    cli("schools", "import", "schools.csv", "--apply", locale="en")
    assert cli("invite", "list", locale="en").out.strip() == t("cli-invite-none")
    past = cli("events", "move", "1", "--to", "01.02.2020 10:00", locale="en")
    assert past.err.strip() == t("error-event-unknown")
    assert cli("survey", "close", "x", locale="en").err.strip() == t("error-survey-unknown")


@pytest.mark.parametrize(
    "typed", ["2099-12-20 18:00", "2099-12-20T18:00", "2099-12-20T18:00:00", "20.12.2099 18:00"]
)
def test_iso_and_russian_dates_are_accepted(cli: Cli, typed: str) -> None:
    cli("survey", "load", str(PROJECT_ROOT / "data/surveys/pulse.yaml"))
    opened = cli("survey", "open", "pulse", "--closes", typed)
    assert opened.status == 0, opened.err
    assert opened.out.strip() == "Опрос pulse, раунд 1: открыт до 20.12.2099 18:00."
    assert "до 20.12.2099 18:00" in cli("survey", "list").out


@pytest.mark.parametrize("locale", ["ru", "en"])
@pytest.mark.parametrize("typed", ["завтра", "20.12.2099", "2099-12-20", "31.02.2099 10:00"])
def test_an_unreadable_date_is_refused_with_both_forms(cli: Cli, typed: str, locale: str) -> None:
    cli("survey", "load", str(PROJECT_ROOT / "data/surveys/pulse.yaml"))
    refused = cli("survey", "open", "pulse", "--closes", typed, locale=locale)
    assert refused.status == 1
    t = Translator(locale).for_locale(locale)
    assert refused.err.strip() == t("error-bad-moment", value=typed)
    assert "20.12.2026 18:00" in refused.err
    assert "2026-12-20 18:00" in refused.err
    moved = cli("events", "move", "1", "--to", typed, locale=locale)
    assert moved.err.strip() == t("error-bad-moment", value=typed)
    day = cli("report", "pulse", "--out", "r", "--to", "tomorrow", locale=locale)
    assert day.err.strip() == t("error-bad-day", value="tomorrow")


def test_invite_list_says_when_there_is_none_and_names_schools(cli: Cli, tmp_path: Path) -> None:
    empty = cli("invite", "list")
    assert empty.status == 0
    assert empty.out.strip() == Translator("ru").get("ru", "cli-invite-none")
    (tmp_path / "schools.csv").write_text(SCHOOLS_CSV, encoding="utf-8")
    cli("schools", "import", "schools.csv", "--apply")
    cli("invite", "create", "--role", "curator", "--school", "47001", "--school", "47002")
    cli("invite", "create", "--role", "municipal_coordinator", "--municipality", "Тосненский")
    listing = cli("invite", "list").out.splitlines()
    assert len(listing) == 2
    assert "школы: 47001 «Киришская СОШ №3»; 47002 «Будогощская СОШ»" in listing[0]
    assert listing[0].startswith("1. куратор; использовано 0 из 1; действует до ")
    assert "муниципалитет: Тосненский муниципальный район" in listing[1]
    assert "[" not in "\n".join(listing)


def test_events_import_lists_every_problem_of_a_row(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "w.csv").write_text(
        "Дата;Время;Название;Ссылка;Аудитория;Длительность\n"
        "10.12.2099;15:00;Наставничество;https://w.example.org/1;;\n"
        "завтра;25:00;;ftp://x;инопланетяне;5\n",
        encoding="utf-8",
    )
    for locale in ("ru", "en"):
        refused = cli("events", "import", "w.csv", locale=locale)
        assert refused.status == 1
        t = Translator(locale).for_locale(locale)
        reasons = [
            t(f"import-row-{r}", value="")
            for r in (
                "empty-title",
                "bad-date",
                "bad-time",
                "bad-link",
                "bad-duration",
                "bad-audience",
            )
        ]
        line = t("import-error-line", row=3, reason="; ".join(reasons))
        assert line in refused.err.splitlines(), refused.err
        assert refused.err.strip().endswith(t("cli-import-has-errors"))


def test_every_command_module_is_registered() -> None:
    """A module of `bot.cli` with `register` is a command group; one left out of `GROUPS`
    would be missing from `--help` and the parser without any error."""
    found = {
        name
        for _, name, _ in pkgutil.iter_modules(bot.cli.__path__)
        if hasattr(importlib.import_module(f"bot.cli.{name}"), "register")
    }
    assert found == {group.__name__.rpartition(".")[2] for group in bot.cli.GROUPS}
    assert len(found) == 10


def test_operator_commands_do_not_import_aiogram(tmp_path: Path) -> None:
    """`--help` and the database commands never load aiogram (the bot's framework, a
    second or more to import) nor matplotlib; `invite create` neither when BOT_USERNAME
    names the bot. (`check` with a token asks Telegram, through aiogram.)"""
    (tmp_path / "schools.csv").write_text(SCHOOLS_CSV, encoding="utf-8")
    script = """
import contextlib, io, sys
from bot.cli import main
for argv in (["--help"], ["survey", "list"], ["schools", "import", "schools.csv", "--apply"],
             ["invite", "create", "--role", "director", "--school", "47001"], ["invite", "list"],
             ["events", "list"], ["migrate"]):
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):
        main(argv)
    loaded = sorted(m for m in sys.modules if m == "aiogram" or m.startswith("aiogram."))
    print(" ".join(argv), "->", loaded[:3], file=sys.stderr)
    assert not loaded, (argv, loaded[:5])
    # Nor the charts (matplotlib), which only `report` draws; `--help` not even SQLAlchemy.
    assert "matplotlib" not in sys.modules, argv
    assert argv != ["--help"] or "sqlalchemy" not in sys.modules
    if argv[0] == "invite" and argv[1] == "create":
        assert "https://t.me/school_help_bot?start=" in out.getvalue(), out.getvalue()
"""
    env = {
        "PATH": "/usr/bin:/bin",
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'a.db'}",
        "BOT_TOKEN": "123456789:AAH-test-token-for-the-fake-bot-api_0",
        "BOT_USERNAME": "school_help_bot",
    }
    done = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def test_invalid_settings_are_named_in_the_locale(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("UPDATES_CONCURRENCY", "100")
    monkeypatch.setenv("DELIVERY_RATE", "fast")
    monkeypatch.setenv("MODE", "push")
    refused = cli("survey", "list")
    assert refused.status == 2
    assert refused.err.splitlines() == [
        "Недопустимое значение настройки MODE: недопустимое значение «push»",
        "Недопустимое значение настройки DELIVERY_RATE: нужно число, а указано «fast»",
        "Недопустимое значение настройки UPDATES_CONCURRENCY: значение должно быть не больше 64",
    ]
    english = cli("survey", "list", locale="en").err.splitlines()
    assert english[1] == 'Invalid setting DELIVERY_RATE: must be a number, not "fast"'
    # A token's value is never repeated, even when it is the wrong one.
    monkeypatch.setenv("BOT_TOKEN", "not-a-token")
    assert "not-a-token" not in cli("survey", "list").err


@pytest.mark.parametrize("locale", ["ru", "en"])
def test_a_refused_survey_file_is_explained_in_the_locale(
    cli: Cli, tmp_path: Path, locale: str
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("code: bad\nquestions: []\n", encoding="utf-8")
    refused = cli("survey", "load", str(bad), locale=locale)
    assert refused.status == 1
    t = Translator(locale).for_locale(locale)
    missing = t("survey-problem-at-field", field="title", problem=t("survey-problem-missing"))
    assert f"- {missing}" in refused.err.splitlines()
    assert "Field required" not in refused.err  # pydantic's own English


@pytest.mark.parametrize("locale", ["ru", "en"])
def test_check_says_why_the_database_does_not_answer_in_the_locale(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, locale: str
) -> None:
    # Port 1: nothing listens there, so the connection is refused at once.
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://bot:secret@127.0.0.1:1/bot")
    checked = cli("check", locale=locale)
    t = Translator(locale).for_locale(locale)
    reason = t("database-refused")
    assert checked.err.strip() == t("cli-check-database-unavailable", reason=reason)
    assert "Connect call failed" not in checked.err  # the driver's English
    assert "secret" not in checked.text


def test_check_names_an_unreachable_telegram(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, unused_tcp_port: int
) -> None:
    """Nothing listens at TELEGRAM_API_BASE: one translated line, exit status 3."""
    monkeypatch.setenv("BOT_TOKEN", "123456789:AAH-test-token-for-the-fake-bot-api_0")
    monkeypatch.setenv("TELEGRAM_API_BASE", f"http://127.0.0.1:{unused_tcp_port}")
    for locale in ("ru", "en"):
        checked = cli("check", locale=locale)
        t = Translator(locale).for_locale(locale)
        line = t("cli-check-telegram-unreachable", url=f"http://127.0.0.1:{unused_tcp_port}/")
        assert checked.status == 3, checked.text
        assert checked.err.strip() == line
        assert "Traceback" not in checked.text
    assert english_words(cli("check").text) == []


def test_check_names_a_telegram_that_does_not_answer(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server that takes the connection and never answers: the wait is bounded."""
    monkeypatch.setattr("bot.cli.check.CHECK_TIMEOUT", 1.0)
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()  # the kernel accepts the connection; nobody ever reads it
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        monkeypatch.setenv("BOT_TOKEN", "123456789:AAH-test-token-for-the-fake-bot-api_0")
        monkeypatch.setenv("TELEGRAM_API_BASE", url)
        checked = cli("check")
    t = Translator("ru").for_locale("ru")
    assert checked.status == 3, checked.text
    assert checked.err.strip() == t("cli-check-telegram-timeout", url=f"{url}/", seconds=1)


def test_survey_load_takes_a_template_name_and_names_a_missing_file(cli: Cli) -> None:
    loaded = cli("survey", "load", "pulse")
    assert loaded.status == 0, loaded.text
    assert loaded.out.strip() == Translator("ru").get(
        "ru", "survey-admin-loaded-created", code="pulse", version=1
    )
    missing = cli("survey", "load", "nothing")
    assert missing.status == 2
    assert missing.err.strip() == Translator("ru").get("ru", "cli-file-missing", file="nothing")
    assert "Traceback" not in missing.text


@pytest.mark.parametrize("locale", ["ru", "en"])
def test_the_series_preview_flags_a_meeting_on_a_public_holiday(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, locale: str
) -> None:
    # The reported case: run in late November 2026, the series put a meeting on Monday
    # 04.01.2027, inside the New Year holidays.
    now = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
    monkeypatch.setattr("storage.types.utcnow", lambda: now)
    t = Translator(locale).for_locale(locale)
    holiday = {"ru": "Новогодние каникулы", "en": "New Year Holidays"}[locale]
    mark = t("cli-event-holiday-mark", holiday=holiday)
    created = cli("events", "series", "--link", "https://meet.example.org/org", locale=locale)
    assert created.status == 0, created.err
    lines = created.out.splitlines()
    (flagged,) = [line for line in lines if mark.strip() in line]
    assert "04.01.2027 10:00" in flagged
    assert any("07.12.2026 10:00" in line and "⚠" not in line for line in lines)
    assert lines[-1] == t("cli-events-holidays", count=1)
    listed = cli("events", "list", locale=locale).out.splitlines()
    assert [line for line in listed if "⚠" in line] == [flagged]
    if locale == "ru":
        assert english_words(created.out) == [], created.out


MAX_TOKEN = "max-token-of-the-fake"


@pytest.fixture
def fake_max(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeMax]:
    """A fake MAX Bot API the command asks (MAX_TOKEN and MAX_API_BASE point at it)."""
    with served_in_a_thread(lambda: FakeMax(MAX_TOKEN)) as fake:
        monkeypatch.setenv("MAX_TOKEN", MAX_TOKEN)
        monkeypatch.setenv("MAX_API_BASE", fake.base_url)
        yield fake


def test_check_on_max_alone_calls_telegram_off_not_missing(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, fake_max: FakeMax
) -> None:
    monkeypatch.delenv("BOT_TOKEN", raising=False)
    checked = cli("check")
    t = Translator("ru").for_locale("ru")
    assert checked.status == 0, checked.text
    assert t("cli-check-telegram-off") in checked.text
    assert t("cli-check-token-missing") not in checked.text
    assert t("cli-check-max-api", url=fake_max.base_url) in checked.out
    assert t("cli-check-max-bot", name=fake_max.username) in checked.out
    assert [(c.method, c.path) for c in fake_max.calls] == [("GET", "/me")]
    assert english_words(checked.text, allowed={fake_max.username}) == [], checked.text


@pytest.mark.parametrize("locale", ["ru", "en"])
def test_check_names_a_max_token_max_refuses_status_2(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, fake_max: FakeMax, locale: str
) -> None:
    monkeypatch.setenv("MAX_TOKEN", "a-token-max-does-not-know")
    checked = cli("check", locale=locale)
    t = Translator(locale).for_locale(locale)
    assert checked.status == 2, checked.text
    assert checked.err.strip() == t("cli-check-max-refused")
    assert "a-token-max-does-not-know" not in checked.text
    assert "Traceback" not in checked.text
    # The rest is still checked: one run names every problem.
    assert t("cli-check-schema-empty", head=migrate_head()) in checked.out


def test_check_names_an_unreachable_max_status_3(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, unused_tcp_port: int
) -> None:
    url = f"http://127.0.0.1:{unused_tcp_port}"
    monkeypatch.setenv("MAX_TOKEN", MAX_TOKEN)
    monkeypatch.setenv("MAX_API_BASE", url)
    for locale in ("ru", "en"):
        checked = cli("check", locale=locale)
        t = Translator(locale).for_locale(locale)
        assert checked.status == 3, checked.text
        assert checked.err.strip() == t("cli-check-max-unreachable", url=url)
        assert "Traceback" not in checked.text
    assert english_words(cli("check").text) == []


def test_check_names_a_max_that_answers_errors_status_3(cli: Cli, fake_max: FakeMax) -> None:
    fake_max.fail_next("GET", "/me", 502)  # asked once: no repeats while the operator waits
    checked = cli("check")
    t = Translator("ru").for_locale("ru")
    assert checked.status == 3, checked.text
    assert checked.err.strip() == t("cli-check-max-error", url=fake_max.base_url, code=502)
    assert len(fake_max.served("GET", "/me")) == 1


def test_check_names_a_max_ca_file_it_cannot_read_status_2(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, fake_max: FakeMax, tmp_path: Path
) -> None:
    (tmp_path / "not-a-certificate.pem").write_text("hello", encoding="utf-8")
    monkeypatch.setenv("MAX_CA_FILE", str(tmp_path / "not-a-certificate.pem"))
    checked = cli("check")
    t = Translator("ru").for_locale("ru")
    assert checked.status == 2, checked.text
    line = t("cli-check-max-ca-file", file=str(tmp_path / "not-a-certificate.pem"))
    assert checked.err.strip() == line
    assert fake_max.calls == []


def test_check_asks_both_messengers_when_both_are_set(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, fake_max: FakeMax, unused_tcp_port: int
) -> None:
    """Telegram unreachable, MAX answering: Telegram's line and status, MAX's bot named."""
    monkeypatch.setenv("BOT_TOKEN", "123456789:AAH-test-token-for-the-fake-bot-api_0")
    monkeypatch.setenv("TELEGRAM_API_BASE", f"http://127.0.0.1:{unused_tcp_port}")
    checked = cli("check")
    t = Translator("ru").for_locale("ru")
    assert checked.status == 3, checked.text
    telegram = t("cli-check-telegram-unreachable", url=f"http://127.0.0.1:{unused_tcp_port}/")
    assert checked.err.strip() == telegram
    assert t("cli-check-max-bot", name=fake_max.username) in checked.out


def migrate_head() -> str:
    from storage import migrate

    return str(migrate.head_revision())


def test_invite_create_prints_the_max_link_on_max_alone(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, fake_max: FakeMax
) -> None:
    monkeypatch.delenv("BOT_TOKEN", raising=False)
    created = cli("invite", "create", "--role", "admin")
    assert created.status == 0, created.text
    code = created.out.split("?start=")[1].split()[0]
    t = Translator("ru").for_locale("ru")
    link = f"https://max.ru/{fake_max.username}?start={code}"
    assert t("cli-invite-link-max", link=link) in created.out.splitlines()
    assert "t.me" not in created.out  # Telegram is off: no link to it
    assert english_words(created.out.replace(code, "")) == [], created.out


def test_invite_create_prints_both_links_when_both_messengers_run(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, fake_max: FakeMax
) -> None:
    monkeypatch.setenv("BOT_TOKEN", "123456789:AAH-test-token-for-the-fake-bot-api_0")
    monkeypatch.setenv("BOT_USERNAME", "test_bot")
    created = cli("invite", "create", "--role", "admin")
    assert created.status == 0, created.text
    code = created.out.split("?start=")[1].split()[0]
    t = Translator("ru").for_locale("ru")
    lines = created.out.splitlines()
    assert t("cli-invite-link", link=f"https://t.me/test_bot?start={code}") in lines
    link = f"https://max.ru/{fake_max.username}?start={code}"
    assert t("cli-invite-link-max", link=link) in lines


def test_invite_create_with_max_unreachable_says_so_once_and_prints_telegrams_link(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, unused_tcp_port: int
) -> None:
    monkeypatch.setenv("BOT_TOKEN", "123456789:AAH-test-token-for-the-fake-bot-api_0")
    monkeypatch.setenv("BOT_USERNAME", "test_bot")
    monkeypatch.setenv("MAX_TOKEN", MAX_TOKEN)
    monkeypatch.setenv("MAX_API_BASE", f"http://127.0.0.1:{unused_tcp_port}")
    for locale in ("ru", "en"):
        created = cli("invite", "create", "--role", "admin", locale=locale)
        assert created.status == 0, created.text
        code = created.out.split("?start=")[1].split()[0]
        t = Translator(locale).for_locale(locale)
        lines = created.out.splitlines()
        assert t("cli-invite-link", link=f"https://t.me/test_bot?start={code}") in lines
        assert t("cli-invite-link-max-unknown", code=code) in lines
        assert "max.ru" not in created.out
        assert "Traceback" not in created.text
