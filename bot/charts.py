"""Charts of the analysis as PNG pictures for the chat: horizontal bars (long Russian names
read better along the bars than under them), 1200 px wide, big enough type for a phone.

Matplotlib's object API with the Agg canvas: no display, no global pyplot state, so charts
can be drawn in a worker thread while the bot goes on."""

from __future__ import annotations

import io
import textwrap
from collections.abc import Callable, Sequence

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from bot.report import option_label
from bot.services.analytics import Distributions, Engagement, Places, ResponseRates

Translate = Callable[..., str]
# Enough schools for a municipality's picture; the region is shown by municipality.
MAX_SCHOOLS = 30
_COLOURS = ["#1f5fa8", "#5b9bd5", "#a5c8ec", "#f4b183", "#e46c0a", "#9e480e", "#7f7f7f"]


def _label(text: str, width: int = 34) -> str:
    return "\n".join(textwrap.wrap(text, width)) or "—"


def _figure(rows: int) -> Figure:
    figure = Figure(figsize=(8, max(3.0, 0.42 * rows + 1.6)), dpi=150, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _bars(
    title: str, labels: Sequence[str], values: Sequence[float], *, percent: bool,
    limit: float | None = None, threshold: float | None = None,
) -> bytes:  # fmt: skip
    figure = _figure(len(labels))
    axes = figure.add_subplot()
    positions = list(range(len(labels)))
    axes.barh(positions, values, color=_COLOURS[0])
    axes.set_yticks(positions, [_label(label) for label in labels], fontsize=9)
    axes.invert_yaxis()  # the first row on top
    for position, value in zip(positions, values, strict=True):
        text = f"{value:.0%}" if percent else f"{value:.1f}"
        axes.annotate(text, (value, position), xytext=(3, 0), textcoords="offset points",
                      va="center", fontsize=8)  # fmt: skip
    top = limit if limit is not None else max([*values, 1.0]) * 1.15
    axes.set_xlim(0, top * (1.12 if limit is not None else 1))
    if percent:
        axes.xaxis.set_major_formatter(lambda x, _: f"{x:.0%}")
    if threshold is not None:
        axes.axvline(threshold, color=_COLOURS[4], linestyle="--", linewidth=1)
    axes.set_title(_label(title, 70), fontsize=11, loc="left")
    axes.grid(axis="x", alpha=0.3)
    return _png(figure)


def response_rates(rates: ResponseRates, places: Places, t: Translate, locale: str) -> bytes:
    """The share of submitted responses per municipality, highest first."""
    rows = [
        (m.name, rate.share)
        for m in places.ordered_municipalities()
        if (rate := rates.municipalities.get(m.id)) is not None and rate.share is not None
    ]
    rows.sort(key=lambda row: -(row[1] or 0))
    title = t("analysis-chart-rates", survey=rates.round.definition.title.get(locale),
              round=rates.round.number)  # fmt: skip
    return _bars(title, [r[0] for r in rows], [r[1] or 0.0 for r in rows], percent=True,
                 limit=1.0)  # fmt: skip


def question(
    found: Distributions, question_id: str, places: Places, t: Translate, locale: str
) -> bytes:
    """One question by municipality: the shares of each option (choices, yes/no) as
    stacked bars, or the mean (scales, numbers)."""
    items = [d for d in found.questions if d.question.id == question_id and d.answered]
    if not items:
        raise LookupError(question_id)
    asked = items[0].question
    title = asked.text.get(locale)
    names = [
        places.municipality(d.municipality_id) if d.municipality_id else t("analysis-total")
        for d in items
    ]
    if asked.type in ("scale", "number"):
        means = [d.stats.mean if d.stats else 0.0 for d in items]
        limit = float(asked.scale.max) if asked.scale else None
        return _bars(title, names, means, percent=False, limit=limit)
    options = ["yes", "no"] if asked.type == "yes_no" else asked.option_ids()
    figure = _figure(len(items) + 2)
    axes = figure.add_subplot()
    positions = list(range(len(items)))
    left = [0.0] * len(items)
    for number, option in enumerate(options):
        shares = [d.share(option) or 0.0 for d in items]
        axes.barh(positions, shares, left=left, color=_COLOURS[number % len(_COLOURS)],
                  label=_label(option_label(asked, option, t, locale), 28))  # fmt: skip
        left = [a + b for a, b in zip(left, shares, strict=True)]
    axes.set_yticks(positions, [_label(name) for name in names], fontsize=9)
    axes.invert_yaxis()
    axes.xaxis.set_major_formatter(lambda x, _: f"{x:.0%}")
    if asked.type != "multi":
        axes.set_xlim(0, 1)
    axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.06), ncols=2, fontsize=8,
                frameon=False)  # fmt: skip
    axes.set_title(_label(title, 70), fontsize=11, loc="left")
    axes.grid(axis="x", alpha=0.3)
    return _png(figure)


def engagement_ranking(engagement: Engagement, places: Places, t: Translate) -> bytes:
    """The region: municipalities by their schools' mean index; a municipality: its
    lowest schools. The dashed line is the low-engagement threshold."""
    if places.municipality_id is None:
        means = engagement.by_municipality()
        rows = sorted(((places.municipality(m), v) for m, v in means.items()),
                      key=lambda row: row[1])  # fmt: skip
    else:
        rated = [s for s in engagement.schools if s.index is not None][:MAX_SCHOOLS]
        rows = [(s.school.short_name, s.index or 0.0) for s in rated]
    if not rows:
        raise LookupError("engagement")
    title = t("analysis-chart-engagement", threshold=f"{engagement.rules.threshold:g}")
    return _bars(title, [r[0] for r in rows], [r[1] for r in rows], percent=False,
                 limit=100.0, threshold=engagement.rules.threshold)  # fmt: skip
