"""/lang: the interface language, kept on the participant."""

from __future__ import annotations

from bot.conversation.routes import Routes, State, StateGroup
from bot.conversation.screens import Screen
from bot.conversation.turn import Turn
from bot.i18n import Translator
from bot.services import participants
from bot.services.registration import has_own_menu

routes = Routes("language")


class LanguageChoice(StateGroup):
    choosing = State()


def _locale_named(text: str, translator: Translator) -> str | None:
    """The locale a person meant by a code (`en`) or a button label (`English`)."""
    wanted = text.strip().casefold()
    for locale in translator.locales:
        names = {
            locale,
            *(translator.get(other, f"lang-name-{locale}") for other in translator.locales),
        }
        if wanted in {name.casefold() for name in names}:
            return locale
    return None


def _choices(translator: Translator) -> list[str]:
    # Each language is named in itself, so the button is readable whatever the locale.
    return [translator.get(locale, f"lang-name-{locale}") for locale in translator.locales]


async def _apply(turn: Turn, locale: str) -> None:
    await turn.state.clear()
    await participants.set_locale(turn.session, turn.participant, locale)
    t = turn.translator.for_locale(locale)
    await turn.show(Screen(t("lang-set"), choices=()))
    if has_own_menu(turn.participant):  # a coordinator's own menu
        await turn.chat.refresh_commands(turn.participant)


@routes.command("lang")
async def lang_command(turn: Turn) -> None:
    if turn.args:
        locale = _locale_named(turn.args, turn.translator)
        if locale is None:
            await turn.say(turn.t("lang-unknown"))
            return
        await _apply(turn, locale)
        return
    await turn.state.set_state(LanguageChoice.choosing)
    await turn.show(Screen(turn.t("lang-choose"), choices=_choices(turn.translator)))


@routes.text(state=LanguageChoice.choosing)
async def lang_chosen(turn: Turn) -> None:
    locale = _locale_named(turn.text, turn.translator)
    if locale is None:
        await turn.show(Screen(turn.t("lang-unknown"), choices=_choices(turn.translator)))
        return
    await _apply(turn, locale)
