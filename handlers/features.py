"""Every feature's routes, in the order they are tried."""

from __future__ import annotations

from collections.abc import Callable

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

# The order steps are tried in; the catch-alls come last. A module not yet moved to routes
# gives its aiogram router's builder.
FEATURES: tuple[Routes | Callable[[], object], ...] = (
    surveys.build_answering_router,  # the busiest: see there
    common.routes,
    language.routes,
    registration.build_router,
    menu.routes,
    profile.build_router,
    coordinator.build_router,
    events.build_router,
    broadcasts.routes,
    surveys.build_router,
    survey_admin.build_router,
    analytics.routes,
    admin.build_router,
    fallback.routes,
)
