"""An announcement as its recipients get it, and its author's progress report: payloads
and texts (no messenger's types), for the steps and for the delivery loop's jobs."""

from __future__ import annotations

from bot.conversation.actions import AckCb
from bot.i18n import Localizer
from bot.services import broadcasts
from bot.services.delivery import Button, Payload
from storage.models import Broadcast


def announcement(
    t: Localizer, broadcast: Broadcast, acknowledged: bool = False, *, reminder: bool = False
) -> Payload:
    """The announcement exactly as its recipients see it; a `reminder` of it (sent again to
    those who have not acknowledged) is headed so, not a copy that looks like the first."""
    buttons = []
    if broadcast.acknowledge:
        label = f"✅ {t('button-acknowledged')}" if acknowledged else t("button-acknowledge")
        buttons = [[Button(label, AckCb(broadcast=broadcast.id).pack())]]
    document = broadcast.attachment_file_id if broadcast.attachment_kind == "document" else None
    photo = broadcast.attachment_file_id if broadcast.attachment_kind == "photo" else None
    text = f"⏰ {t('broadcast-reminder-lead')}\n\n{broadcast.text}" if reminder else broadcast.text
    return Payload(text, buttons, document=document, photo=photo)


def progress_text(t: Localizer, progress: broadcasts.Progress, cancelled: bool) -> str:
    done = progress.total - progress.left
    filled = round(10 * done / progress.total) if progress.total else 10
    bar = "▓" * filled + "░" * (10 - filled)
    key = (
        "broadcast-cancelled"
        if cancelled
        else ("broadcast-done" if progress.finished else "broadcast-sending")
    )
    # `done` beside the bar: the bar fills with blocked and failed messages too.
    text = t(
        key,
        bar=bar,
        done=done,
        sent=progress.sent,
        blocked=progress.blocked,
        failed=progress.failed,
        left=progress.left,
        total=progress.total,
        acknowledged=progress.acknowledged,
        withdrawn=progress.withdrawn,
        ambiguous=progress.ambiguous,
    )
    if progress.ambiguous:
        text += "\n" + t("broadcast-ambiguous-explained", count=progress.ambiguous)
    return text
