from __future__ import annotations

import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import event_import
from bot.services.audience import Audience
from storage.models import Event, Role
from tests.support.people import load_schools, municipality_id

MOSCOW = ZoneInfo("Europe/Moscow")
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=MOSCOW)
WEBINARS = """Дата;Время;Название;Ссылка;Аудитория;Длительность
10.12.2026;15:00;Анализ результатов ВПР;https://webinar.example.org/1;директора, Киришский;90
2026-12-17;10:30;Наставничество;https://webinar.example.org/2;500+;60
11.11.2026;10:00;Прошедший;https://webinar.example.org/3;;
12.12.2026;25:00;Плохое время;https://webinar.example.org/4;;
13.12.2026;10:00;Без ссылки;ftp://x;;
14.12.2026;10:00;Странная аудитория;https://x.example.org;инопланетяне;
"""


async def test_webinars_import_with_every_bad_row_named(session: AsyncSession) -> None:
    await load_schools(session)
    content = WEBINARS.encode()
    preview = await event_import.preview(session, "w.csv", content, MOSCOW, NOW)
    assert [(e.row, e.reason) for e in preview.errors] == [
        (4, "in-past"),
        (5, "bad-time"),
        (6, "bad-link"),
        (7, "bad-audience"),
    ]
    first, second = preview.webinars
    assert first.starts_at == datetime(2026, 12, 10, 15, 0, tzinfo=MOSCOW)
    kirishi = await municipality_id(session, "Киришский")
    assert first.audience == Audience(roles=(Role.DIRECTOR,), municipality_ids=(kirishi,))
    assert second.audience == Audience(programmes=("500+",))
    assert second.duration_minutes == 60

    good = "\n".join(WEBINARS.splitlines()[:3]).encode()
    await event_import.apply(session, "w.csv", good, MOSCOW, NOW)
    titles = list(await session.scalars(select(Event.title).order_by(Event.starts_at)))
    assert titles == ["Анализ результатов ВПР", "Наставничество"]


def test_the_operator_schedules_the_meetings_and_lists_them(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/b.db"}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot", "events", *args],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    series = cli("series", "--link", "https://meet.example.org/org", "--time", "10:00")
    assert series.returncode == 0, series.stderr
    assert "первый и третий понедельник месяца в 10:00. Добавлено в расписание:" in series.stdout
    listing = cli("list")
    assert listing.returncode == 0, listing.stderr
    lines = [line for line in listing.stdout.splitlines() if "Организационное совещание" in line]
    assert len(lines) >= 3
    assert all(" пн " in line and "10:00 — совещание: " in line for line in lines)
    event_id = lines[0].split(".")[0]
    cancelled = cli("cancel", event_id)
    assert cancelled.returncode == 0, cancelled.stderr
    assert "— совещание (отменено): " in cli("list").stdout.splitlines()[0]
    assert cli("cancel", "99999").returncode == 1
