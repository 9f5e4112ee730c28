"""Keeping a recognised mail that nothing vouches for: never acted on, never answered.

Agency mails are told to the practice chat once, so a manager can check them on the dashboard's
Onboarding page (core.services.messaging.mail_reviews); command mails are only logged, so a
forger learns nothing from an answer.
"""

from __future__ import annotations

import logging

from core.bootstrap import App
from core.services.messaging import mail_reviews
from mail.message import ParsedMail
from mail.rules import Classification

__all__ = ["keep_unverified"]

log = logging.getLogger("mail.intake")


def keep_unverified(app: App, mail: ParsedMail, key: str, c: Classification) -> None:
    notify = None
    if c.kind != "staff_command":
        notify = (
            f"Eine Mail, die von 1159 Finance zu kommen scheint („{mail.subject[:80]}“), ist nicht "
            "nachweislich echt und wurde nicht ausgeführt. Sie liegt zur Prüfung bereit "
            "(Dashboard → Onboarding)."
        )
    mail_reviews.keep(
        app.uow(),
        practice_id=app.practice_id,
        message_key=key,
        outcome=f"{mail_reviews.UNVERIFIED}: {c.detail}",
        notify=notify,
    )
    log.warning("mail %s (%s) from %s kept unverified, not acted on: %s", key, c.reason, c.sender, c.detail)
