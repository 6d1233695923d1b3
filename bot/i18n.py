"""Translations: Fluent files under locales/<locale>/*.ftl; every user-visible string."""

from __future__ import annotations

import functools
import logging
from collections.abc import Mapping
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Any

from fluent.runtime import FluentBundle, FluentResource

from bot.settings import SUPPORTED_LOCALES

# The `locales` package, wherever it is installed (the checkout or a wheel).
LOCALES_DIR = files("locales")
CACHED_TEXTS = 4096
logger = logging.getLogger(__name__)


class Translator:
    """All locales' messages; `for_locale` gives the callable handlers use."""

    def __init__(self, default_locale: str, locales_dir: Traversable = LOCALES_DIR) -> None:
        self.default_locale = default_locale
        self._bundles: dict[str, FluentBundle] = {}
        for locale in SUPPORTED_LOCALES:
            # use_isolating=False: Telegram shows the Unicode isolation marks as garbage.
            bundle = FluentBundle([locale], use_isolating=False)
            found = (locales_dir / locale).iterdir()
            for path in sorted((p for p in found if p.name.endswith(".ftl")), key=_name):
                bundle.add_resource(FluentResource(path.read_text(encoding="utf-8")))
            self._bundles[locale] = bundle
        # A message formatted with the same arguments is the same text (Fluent is
        # deterministic): the busy ones («Вопрос 3 из 20», the buttons) are formatted once.
        self._cached = functools.lru_cache(maxsize=CACHED_TEXTS)(self._uncached)

    @property
    def locales(self) -> tuple[str, ...]:
        return tuple(self._bundles)

    def resolve_locale(self, language_code: str | None) -> str:
        """The supported locale closest to Telegram's `language_code` (e.g. en-GB → en)."""
        if language_code:
            base = language_code.split("-")[0].lower()
            if base in self._bundles:
                return base
        return self.default_locale

    def has(self, locale: str, key: str) -> bool:
        return self._bundles[locale].has_message(key)

    def get(self, locale: str, key: str, **args: Any) -> str:
        arguments = tuple(sorted(args.items()))
        try:
            return self._cached(locale, key, arguments)
        except TypeError:  # an unhashable argument
            return self._uncached(locale, key, arguments)

    def _uncached(self, locale: str, key: str, arguments: tuple[tuple[str, Any], ...]) -> str:
        args = dict(arguments)
        for candidate in (locale, self.default_locale):
            bundle = self._bundles.get(candidate)
            if bundle is not None and bundle.has_message(key):
                return self._format(bundle, key, args)
        logger.error("Missing translation %r", key)
        return key

    def for_locale(self, locale: str) -> Localizer:
        return Localizer(self, locale if locale in self._bundles else self.default_locale)

    @staticmethod
    def _format(bundle: FluentBundle, key: str, args: Mapping[str, Any]) -> str:
        message = bundle.get_message(key)
        if message.value is None:  # a message with attributes only
            return key
        text, errors = bundle.format_pattern(message.value, dict(args))
        for error in errors:
            logger.error("Translation %r: %s", key, error)
        return str(text)


def _name(path: Traversable) -> str:
    return path.name


class Localizer:
    """Messages in one locale: `t("start-welcome", name=...)`."""

    def __init__(self, translator: Translator, locale: str) -> None:
        self.translator = translator
        self.locale = locale

    def __call__(self, key: str, **args: Any) -> str:
        return self.translator.get(self.locale, key, **args)
