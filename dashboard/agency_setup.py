"""„Einrichtung starten“: the access request to 1159 Finance, as the Onboarding and the Einstellungen
pages both offer it."""

from __future__ import annotations

from core.services.setup import access_request
from dashboard.held import run_async
from dashboard.runtime import Context

__all__ = ["start_setup"]


def start_setup(ctx: Context) -> str:
    """Send the access request through the core's mailer; returns the German outcome."""
    result = run_async(
        access_request.request_access(
            ctx.app.uow(),
            practice_id=ctx.practice_id,
            actor=ctx.actor,
            via="dashboard",
            support_email=ctx.app.settings.support_email,
            mailer=ctx.app.mailer,
        )
    )
    return result.message
