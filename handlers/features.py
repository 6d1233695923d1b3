"""Every feature's routes, in the order they are tried."""

from __future__ import annotations

from bot.conversation.routes import Routes
from handlers import (
    admin,
    analytics,
    broadcasts,
    common,
    coordinator,
    events,
    fallback,
    language,
    menu,
    profile,
    registration,
    survey_admin,
    surveys,
)

# The order steps are tried in; the catch-alls come last.
FEATURES: tuple[Routes, ...] = (
    surveys.answering,  # the busiest: see there
    common.routes,
    language.routes,
    registration.routes,
    menu.routes,
    profile.routes,
    coordinator.routes,
    events.routes,
    broadcasts.routes,
    surveys.routes,
    survey_admin.routes,
    analytics.routes,
    admin.routes,
    fallback.routes,
)
