"""The admin's school import: send a CSV or XLSX file, read the preview, apply."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.conversation.actions import ImportCb, MenuCb
from bot.i18n import Localizer
from bot.keyboards import inline, menu_button
from bot.services import school_import
from bot.services.access import Action, can
from bot.services.errors import AccessDenied, DomainError
from bot.telegram.routing import Pressed
from bot.views import error_text, import_preview_text
from handlers.shared import message_of
from storage.models import Participant


class SchoolImport(StatesGroup):
    file = State()
    confirm = State()


async def import_menu(
    callback: CallbackQuery, state: FSMContext, participant: Participant, t: Localizer
) -> None:
    if not can(participant, Action.IMPORT_SCHOOLS):
        raise AccessDenied()
    await state.set_state(SchoolImport.file)
    await message_of(callback).answer(t("import-send-file"))


async def _download(bot: Bot, file_id: str) -> bytes:
    buffer = await bot.download(file_id)
    assert buffer is not None
    return buffer.read()


async def import_file(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    participant: Participant,
    bot: Bot,
    t: Localizer,
) -> None:
    if not can(participant, Action.IMPORT_SCHOOLS):
        raise AccessDenied()
    document = message.document
    assert document is not None
    # Refused before downloading; the state stays, so the corrected file can follow.
    if (document.file_size or 0) > school_import.MAX_FILE_BYTES:
        await message.answer(t("error-import-too-large"), reply_markup=inline([menu_button(t)]))
        return
    filename = document.file_name or "schools.csv"
    try:
        preview = await school_import.preview(
            session, filename, await _download(bot, document.file_id)
        )
    except DomainError as error:
        await message.answer(error_text(t, error), reply_markup=inline([menu_button(t)]))
        return
    if not preview.can_apply:
        await message.answer(import_preview_text(t, preview))
        await message.answer(
            t("import-fix-and-resend" if preview.errors else "import-nothing-to-do"),
            reply_markup=inline([menu_button(t)]),
        )
        return
    # The file stays on Telegram's side; apply downloads and checks it again.
    await state.update_data(file_id=document.file_id, filename=filename)
    await state.set_state(SchoolImport.confirm)
    await message.answer(
        import_preview_text(t, preview),
        reply_markup=inline(
            [(t("button-import-apply"), ImportCb(apply=True))],
            [(t("button-cancel"), ImportCb(apply=False))],
        ),
    )


async def import_decision(
    callback: CallbackQuery,
    callback_data: ImportCb,
    state: FSMContext,
    session: AsyncSession,
    participant: Participant,
    bot: Bot,
    t: Localizer,
) -> None:
    if not can(participant, Action.IMPORT_SCHOOLS):
        raise AccessDenied()
    await message_of(callback).edit_reply_markup(reply_markup=None)
    data = await state.get_data()
    await state.clear()
    if not callback_data.apply:
        await message_of(callback).answer(t("import-cancelled"))
        return
    content = await _download(bot, data["file_id"])
    result = await school_import.apply(session, participant, data["filename"], content)
    await message_of(callback).answer(
        t("import-applied", new=len(result.new), updated=len(result.updated)),
        reply_markup=inline([menu_button(t)]),
    )


async def not_a_file(message: Message, t: Localizer) -> None:
    await message.answer(t("import-send-file"))


def build_router() -> Router:
    router = Router(name="admin")
    router.callback_query.register(import_menu, Pressed(MenuCb, item="import"))
    router.message.register(import_file, SchoolImport.file, F.document)
    router.message.register(not_a_file, SchoolImport.file)
    router.callback_query.register(import_decision, SchoolImport.confirm, Pressed(ImportCb))
    return router
