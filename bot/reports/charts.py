"""Charts of the analysis as PNG pictures for the chat: horizontal bars (long Russian names
read better along the bars than under them), 1200 px wide, big enough type for a phone.

Matplotlib's object API with the Agg canvas: no display, no global pyplot state, so charts
can be drawn in a worker thread while the bot goes on."""

from __future__ import annotations

import io
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text

from bot.reports.analysis import option_label
from bot.services.analytics import Distributions, Engagement, Places, ResponseRates

Translate = Callable[..., str]
# Enough schools for a municipality's picture; the region is shown by municipality.
MAX_SCHOOLS = 30
_COLOURS = ["#1f5fa8", "#5b9bd5", "#a5c8ec", "#f4b183", "#e46c0a", "#9e480e", "#7f7f7f"]


def _label(text: str, width: int = 34) -> str:
    return "\n".join(textwrap.wrap(text, width)) or "—"


def _figure(rows: float) -> Figure:
    figure = Figure(figsize=(8, max(3.0, 0.42 * rows + 1.6)), dpi=150, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _png(figure: Figure) -> bytes:
    # Every text on a chart is plain: matplotlib would read what stands between two «$» of
    # an imported school name as mathematics and fail the whole picture.
    for text in figure.findobj(Text):
        text.set_parse_math(False)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


@dataclass(frozen=True)
class Chart:
    """A drawn chart and the caption it is sent with (what it shows, in words)."""

    figure: Figure
    caption: str

    def png(self) -> bytes:
        return _png(self.figure)


def _title(figure: Figure, title: str) -> None:
    """The title over the whole figure from its left edge: an axes title starts after the
    long municipality names and ran off the right edge. 60 characters a line fit 1200 px."""
    figure.suptitle(_label(title, 60), x=0.02, ha="left", fontsize=11)


def _bars(
    title: str,
    labels: Sequence[str],
    values: Sequence[float],
    *,
    percent: bool,
    limit: float | None = None,
    threshold: float | None = None,
) -> Figure:
    figure = _figure(len(labels))
    axes = figure.add_subplot()
    positions = list(range(len(labels)))
    axes.barh(positions, values, color=_COLOURS[0])
    axes.set_yticks(positions, [_label(label) for label in labels], fontsize=9)
    axes.invert_yaxis()  # the first row on top
    for position, value in zip(positions, values, strict=True):
        text = f"{value:.0%}" if percent else f"{value:.1f}"
        axes.annotate(
            text,
            (value, position),
            xytext=(3, 0),
            textcoords="offset points",
            va="center",
            fontsize=8,
        )
    top = limit if limit is not None else max([*values, 1.0]) * 1.15
    axes.set_xlim(0, top * (1.12 if limit is not None else 1))
    if percent:
        axes.xaxis.set_major_formatter(lambda x, _: f"{x:.0%}")
    if threshold is not None:
        axes.axvline(threshold, color=_COLOURS[4], linestyle="--", linewidth=1)
    _title(figure, title)
    axes.grid(axis="x", alpha=0.3)
    return figure


def response_rates(rates: ResponseRates, places: Places, t: Translate, locale: str) -> Chart:
    """The share of submitted responses per municipality, highest first."""
    rows = [
        (m.name, rate.share)
        for m in places.ordered_municipalities()
        if (rate := rates.municipalities.get(m.id)) is not None and rate.share is not None
    ]
    if not rows:
        raise LookupError("rates")  # nobody in the scope can answer the survey
    rows.sort(key=lambda row: -(row[1] or 0))
    title = t(
        "analysis-chart-rates",
        survey=rates.round.definition.title.get(locale),
        round=rates.round.number,
    )
    figure = _bars(
        title, [r[0] for r in rows], [r[1] or 0.0 for r in rows], percent=True, limit=1.0
    )
    return Chart(figure, t("analysis-caption-rates", unit=rates.round.definition.unit))


def question(
    found: Distributions, question_id: str, places: Places, t: Translate, locale: str
) -> Chart:
    """One question by municipality: the mean (scales, numbers); the shares of each option
    stacked to 100 % (single choice, yes/no); for multiple choice, where one answer picks
    several options, the share of respondents who picked each option, side by side."""
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
        figure = _bars(title, names, means, percent=False, limit=limit)
        return Chart(figure, t("analysis-caption-mean"))
    options = ["yes", "no"] if asked.type == "yes_no" else asked.option_ids()
    multi = asked.type == "multi"
    figure = _figure(len(items) * (max(1.0, 0.45 * len(options)) if multi else 1) + 2)
    axes = figure.add_subplot()
    positions = list(range(len(items)))
    left = [0.0] * len(items)
    height = 0.8 / len(options) if multi else 0.8
    for number, option in enumerate(options):
        shares = [d.share(option) or 0.0 for d in items]
        label = _label(option_label(asked, option, t, locale), 28)
        colour = _COLOURS[number % len(_COLOURS)]
        if multi:  # side by side: each bar is a share of the same respondents
            offset = -0.4 + height * (number + 0.5)
            axes.barh(
                [p + offset for p in positions], shares, height=height, color=colour, label=label
            )
        else:
            axes.barh(positions, shares, left=left, color=colour, label=label)
            left = [a + b for a, b in zip(left, shares, strict=True)]
    axes.set_yticks(positions, [_label(name) for name in names], fontsize=9)
    axes.invert_yaxis()
    axes.xaxis.set_major_formatter(lambda x, _: f"{x:.0%}")
    axes.set_xlim(0, 1)
    axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.06), ncols=2, fontsize=8, frameon=False)
    _title(figure, title)
    axes.grid(axis="x", alpha=0.3)
    return Chart(figure, t("analysis-caption-multi" if multi else "analysis-caption-shares"))


def engagement_ranking(engagement: Engagement, places: Places, t: Translate) -> Chart:
    """The region: municipalities by their schools' mean index; a municipality: its
    lowest schools. The dashed line is the low-engagement threshold."""
    region = places.municipality_id is None
    if region:
        means = engagement.by_municipality()
        rows = sorted(
            ((places.municipality(m), v) for m, v in means.items()), key=lambda row: row[1]
        )
    else:
        rated = [s for s in engagement.schools if s.index is not None][:MAX_SCHOOLS]
        rows = [(s.school.short_name, s.index or 0.0) for s in rated]
    if not rows:
        raise LookupError("engagement")
    threshold = f"{engagement.rules.threshold:g}"
    title = t("analysis-chart-engagement", threshold=threshold)
    figure = _bars(
        title,
        [r[0] for r in rows],
        [r[1] for r in rows],
        percent=False,
        limit=100.0,
        threshold=engagement.rules.threshold,
    )
    days = (engagement.end - engagement.start).days
    caption = t(
        "analysis-caption-engagement",
        scope="region" if region else "municipality",
        days=days,
        threshold=threshold,
        shown=MAX_SCHOOLS,
    )
    return Chart(figure, caption)
