"""View helpers that every screen uses."""

from __future__ import annotations

import pytest

from bot.i18n import Translator
from bot.services.school_import import ImportPreview, RowError
from bot.views import import_preview_text, shorten


@pytest.mark.parametrize(
    ("text", "limit", "shown"),
    [
        # The label of issue #14: cut at a word, never «…руководите».
        ("Опрос вовлечённости руководителей", 30, "Опрос вовлечённости…"),
        ("Опрос вовлечённости руководителей", 33, "Опрос вовлечённости руководителей"),
        # A space right at the limit is a boundary: the word before it stays.
        ("Итоговый мониторинг школ", 20, "Итоговый мониторинг…"),
        # Punctuation before the cut goes with it.
        ("Итоги, мониторинг", 10, "Итоги…"),
        ("Совещание — итоги четверти", 14, "Совещание…"),
        # Runs of spaces and line breaks (a headline from several lines) count as one space.
        ("Уважаемые\n\nколлеги,   напоминаем", 40, "Уважаемые коллеги, напоминаем"),
        # One word longer than the limit has no boundary: the only cut inside a word.
        ("Суперпредлинноеслово", 8, "Суперпр…"),
    ],
)
def test_shorten_cuts_at_a_word_with_an_ellipsis(text: str, limit: int, shown: str) -> None:
    assert shorten(text, limit) == shown
    assert len(shorten(text, limit)) <= limit


def test_an_import_preview_echoes_a_long_value_cut_at_a_word(translator: Translator) -> None:
    """A refused row's value is shown as a label: cut at a word with «…», never inside one,
    and a value that fits is shown whole, without «…»."""
    name = "Муниципальное общеобразовательное учреждение «Киришская средняя школа №3»"
    preview = ImportPreview(
        errors=[
            RowError(2, "too-long", name),
            RowError(3, "too-long", "К" * 33),
            RowError(4, "unknown-municipality", "Атлантида " * 20),
        ]
    )
    text = import_preview_text(translator.for_locale("ru"), preview)
    assert "«Муниципальное общеобразовательное…»" in text
    assert f"«{'К' * 33}»" in text
    assert "«Атлантида Атлантида Атлантида Атлантида…»" in text
