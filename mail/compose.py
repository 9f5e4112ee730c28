"""Build the replies to mail commands, threaded under the staff member's mail.

Pure: each function returns an `EmailMessage` with Message-ID and Date set; the core's mailer sends it.
"""

from __future__ import annotations

import re
from email.message import EmailMessage

from core.smtp.compose import base_message
from mail.rules import clean_command_text

__all__ = ["command_reply", "reply_subject"]


def reply_subject(subject: str) -> str:
    """`Re: <subject>` without stacking prefixes ("Re: AW: Re: …" becomes "Re: …")."""
    core, _ = clean_command_text(subject)
    return f"Re: {core}" if core else "Re:"


def command_reply(
    to: str,
    from_: str,
    subject: str,
    text: str,
    in_reply_to: str | None,
    references: str | None = None,
) -> EmailMessage:
    """The answer to a mail command, threaded under the staff member's mail."""
    message = base_message(to=to, from_=from_, subject=reply_subject(subject), text=text)
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
        chain = re.findall(r"<[^<>\s]+>", references or "")
        message["References"] = " ".join([*chain, in_reply_to] if in_reply_to not in chain else chain)
    # RFC 3834: marks the reply as automatic so other robots (out-of-office) do not answer it
    message["Auto-Submitted"] = "auto-replied"
    return message
