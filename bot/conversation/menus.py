"""The commands each role's menu offers, for every messenger (the descriptions are the
locales' `cmd-<name>`)."""

COMMANDS = ("start", "menu", "surveys", "schedule", "me", "help", "lang", "cancel", "forget")
# Join requests to decide; no questionnaires of their own to answer.
COORDINATOR_COMMANDS = (
    "start",
    "menu",
    "requests",
    "schedule",
    "me",
    "help",
    "lang",
    "cancel",
    "forget",
)
ALL_COMMANDS = tuple(dict.fromkeys(COMMANDS + COORDINATOR_COMMANDS))
