"""The bot's texts: `<locale>/*.ftl` Fluent files, shipped in the wheel as package data and
found with `importlib.resources` (bot/i18n.py)."""
