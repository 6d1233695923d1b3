"""The engagement index's components and rules, apart from `bot.services.analytics`: the
settings need them, and every operator command reads the settings, so importing them must
not load the analysis (SQLAlchemy queries, surveys, announcements)."""

from __future__ import annotations

from dataclasses import dataclass, field

COMPONENTS = ("surveys", "timeliness", "events", "acknowledgements")
DEFAULT_WEIGHTS = {"surveys": 0.3, "timeliness": 0.1, "events": 0.4, "acknowledgements": 0.2}


@dataclass(frozen=True)
class EngagementRules:
    """Weights of the components (any scale; only their proportions matter) and the index
    below which a school counts as low-engagement (0–100)."""

    weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    threshold: float = 50.0
