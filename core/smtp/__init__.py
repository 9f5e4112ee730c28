"""The practice's outgoing mail over SMTP: composing, recording and sending (the `Mailer` port)."""
