"""The admin's school import: send a CSV or XLSX file, read the preview, apply."""

from __future__ import annotations

from bot.conversation.actions import ImportCb, MenuCb
from bot.conversation.buttons import menu_button
from bot.conversation.routes import Routes, State, StateGroup
from bot.conversation.turn import IncomingFile, Turn
from bot.services import school_import
from bot.services.errors import AccessDenied, DomainError
from bot.views import error_text, import_preview_text

routes = Routes("admin")


class SchoolImport(StateGroup):
    file = State()
    confirm = State()


@routes.press(MenuCb, item="import")
async def import_menu(turn: Turn, _: MenuCb) -> None:
    school_import.check_upload(turn.participant)
    await turn.state.set_state(SchoolImport.file)
    await turn.say(turn.t("import-send-file"))


@routes.document(state=SchoolImport.file)
async def import_file(turn: Turn) -> None:
    document = turn.file
    if document is None or document.kind != "document":
        await not_a_file(turn)  # a photo is no table
        return
    t = turn.t
    filename = document.name or "schools.csv"
    try:
        preview = await school_import.preview_upload(
            turn.session,
            turn.participant,
            filename,
            document.size,
            lambda: turn.chat.download(document),
        )
    except AccessDenied:
        raise  # no longer an admin: refused as anywhere else
    except DomainError as error:
        # The state stays, so the corrected file can follow.
        await turn.say(error_text(t, error), [menu_button(t)])
        return
    if not preview.can_apply:
        await turn.say(import_preview_text(t, preview))
        await turn.say(
            t("import-fix-and-resend" if preview.errors else "import-nothing-to-do"),
            [menu_button(t)],
        )
        return
    # The file stays on the messenger's side; apply downloads and checks it again.
    await turn.state.update_data(file_id=document.reference, filename=filename)
    await turn.state.set_state(SchoolImport.confirm)
    await turn.say(
        import_preview_text(t, preview),
        [(t("button-import-apply"), ImportCb(apply=True))],
        [(t("button-cancel"), ImportCb(apply=False))],
    )


@routes.message(state=SchoolImport.file)
async def not_a_file(turn: Turn) -> None:
    await turn.say(turn.t("import-send-file"))


@routes.press(ImportCb, state=SchoolImport.confirm)
async def import_decision(turn: Turn, action: ImportCb) -> None:
    school_import.check_upload(turn.participant)
    t = turn.t
    await turn.chat.replace_buttons(())
    data = await turn.state.get_data()
    await turn.state.clear()
    if not action.apply:
        await turn.say(t("import-cancelled"))
        return
    filename = str(data["filename"])
    sent = IncomingFile(str(data["file_id"]), filename, None)
    result = await school_import.apply_upload(
        turn.session, turn.participant, filename, lambda: turn.chat.download(sent)
    )
    await turn.say(
        t("import-applied", new=len(result.new), updated=len(result.updated)),
        [menu_button(t)],
    )
