"""aiogram routers, one module per feature. Thin: parse, call a service, render."""

from aiogram import Router

from handlers import (
    admin,
    analytics,
    broadcasts,
    common,
    coordinator,
    errors,
    events,
    fallback,
    language,
    menu,
    profile,
    registration,
    survey_admin,
    surveys,
)


def get_routers() -> list[Router]:
    """Fresh routers in the order the dispatcher tries them; the catch-all comes last."""
    return [
        errors.build_router(),
        fallback.build_outdated_buttons_router(),
        surveys.build_answering_router(),  # the busiest: see there
        common.build_router(),
        language.build_router(),
        registration.build_router(),
        menu.build_router(),
        profile.build_router(),
        coordinator.build_router(),
        events.build_router(),
        broadcasts.build_router(),
        surveys.build_router(),
        survey_admin.build_router(),
        analytics.build_router(),
        admin.build_router(),
        fallback.build_router(),
    ]
