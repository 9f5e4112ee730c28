"""The practice mailbox, watched: recognise 1159 Finance's mails and staff command mails, act once.

The entry points of the mail door for `inkasso run`; a pass itself is `mail.passes`, the IMAP
protocol `mail.imap`. One pass: SELECT the folder, list the UIDs above the cursor (MailCursor:
highest UID handled per folder and UIDVALIDITY), fetch only their headers, and download the body
only of mail that may concern us (from the agency's domain or looking like it, or from a
registered staff address). A recognised, verified mail is claimed in the database (MailRecord:
its key, UID and raw bytes), acted on, then flagged and moved to IMAP_DONE_FOLDER. Everything
else stays exactly as it was: never marked read (BODY.PEEK), never moved. A pass with nothing
new downloads no message at all.

`intake_loop` runs passes for `inkasso run`: after each pass it waits with IMAP IDLE (re-issued
before the server's 30-minute timeout) or sleeps IMAP_POLL_SECONDS, and reconnects with backoff
whenever the connection breaks. A message key is its Message-ID or, without one, a hash of what
the sender wrote (so the same mail delivered twice still counts once).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable

from sqlalchemy.exc import DBAPIError

from core.bootstrap import App
from core.domain.errors import InkassoError, PeerUnavailable
from core.ops import problems
from mail import outgoing
from mail.imap import ImapConnection, MailboxRefused
from mail.keys import content_hash, message_key
from mail.passes import Intake, PassReport

__all__ = ["Intake", "PassReport", "content_hash", "intake_loop", "intake_once", "message_key"]

log = logging.getLogger(__name__)

BACKOFF_FIRST, BACKOFF_MAX = 1.0, 120.0
NOTIFY_SECONDS = 60.0


async def intake_once(app: App) -> PassReport:
    """Connect, run one pass, send pending replies, disconnect (for `inkasso run --once`)."""
    intake = Intake(app)
    conn = await asyncio.to_thread(ImapConnection.open, app.settings)
    try:
        await asyncio.to_thread(conn.ensure_folder, intake.done_folder)
        report = await intake.run_pass(conn)
        await outgoing.deliver_notifications(app)
        await app.mailer.flush_pending()
        return report
    finally:
        await asyncio.to_thread(conn.close)


async def intake_loop(
    app: App,
    stop: asyncio.Event,
    *,
    idle_seconds: float | None = None,
    on_pass: Callable[[], None] | None = None,
) -> None:
    """Watch the mailbox until `stop` is set; never raises, reconnects with backoff.
    `on_pass` is called after each pass that went through (the worker's health and metrics)."""
    idle_seconds = idle_seconds or app.settings.imap_idle_seconds
    intake = Intake(app)
    backoff = BACKOFF_FIRST
    if intake.rules.authserv_id:
        log.info("mail acts only on a DKIM/DMARC pass from %s", intake.rules.authserv_id)
    else:
        log.warning("MAIL_AUTHSERV_ID is not set: no mail acts; agency mails are kept for review")
    closing = threading.Event()

    def should_stop() -> bool:
        return stop.is_set() or closing.is_set()

    while not stop.is_set():
        conn: ImapConnection | None = None
        try:
            conn = await asyncio.to_thread(ImapConnection.open, app.settings)
            await asyncio.to_thread(conn.ensure_folder, intake.done_folder)
            mode = "IDLE" if conn.idle_supported else f"polling every {app.settings.imap_poll_seconds} s"
            log.info("mailbox %s@%s connected (%s)", app.settings.imap_user, app.settings.imap_host, mode)
            problems.clear(app.uow(), practice_id=app.practice_id, source=problems.MAILBOX)
            while not stop.is_set():
                await intake.run_pass(conn)
                backoff = BACKOFF_FIRST
                if on_pass is not None:
                    on_pass()
                await outgoing.deliver_notifications(app)
                await app.mailer.flush_pending()
                wait = idle_seconds if conn.idle_supported else app.settings.imap_poll_seconds
                if outgoing.notifies_by_mail(app):
                    wait = min(wait, NOTIFY_SECONDS)  # notifications raised elsewhere go out soon
                await asyncio.to_thread(conn.wait, wait, should_stop)
        except MailboxRefused as exc:
            log.error("mailbox login refused (%s); trying again in %.0f s", exc.log_message, BACKOFF_MAX)
            backoff = BACKOFF_MAX
            problems.report(app.uow(), practice_id=app.practice_id, source=problems.MAILBOX)
        except PeerUnavailable as exc:
            log.warning("mailbox: %s; reconnecting in %.0f s", exc.log_message, backoff)
        except InkassoError as exc:  # e.g. no practice set up yet
            log.warning("mail intake: %s; trying again in %.0f s", exc.log_message, backoff)
        except DBAPIError as exc:
            log.warning(
                "mail intake: database unavailable (%s); retrying in %.0f s", type(exc).__name__, backoff
            )
        except asyncio.CancelledError:
            closing.set()
            raise
        except Exception:
            log.exception("mail intake round failed; retrying in %.0f s", backoff)
        finally:
            if conn is not None:
                await asyncio.to_thread(conn.close)
        if stop.is_set():
            break
        try:
            await asyncio.wait_for(stop.wait(), timeout=backoff)
        except TimeoutError:
            pass
        backoff = min(backoff * 2, BACKOFF_MAX)
