"""`inkasso doctor` says whether mail can act, and on what evidence (issue 20)."""

from __future__ import annotations

from core.config import Settings
from core.ops.doctor import Level, mail_trust


def _findings(**values: object) -> list[tuple[Level, str]]:
    return [(f.level, f.message) for f in mail_trust(Settings(_env_file=None, **values))]  # type: ignore[arg-type]


def test_without_an_authserv_id_the_doctor_says_no_mail_acts_and_what_happens_instead() -> None:
    [(level, message)] = _findings()
    assert level is Level.PROBLEM
    assert (
        "keine Mail wirkt" in message
        and "zur Prüfung" in message
        and "weder ausgeführt noch beantwortet" in message
    )


def test_with_an_authserv_id_the_doctor_names_the_evidence_mail_needs() -> None:
    [(level, message)] = _findings(mail_authserv_id="mx.praxis.de")
    assert level is Level.OK and "DKIM- oder DMARC-Ergebnis von mx.praxis.de" in message


def test_an_old_require_false_is_named_as_ignored_and_opens_nothing() -> None:
    found = _findings(mail_authserv_id="mx.praxis.de", mail_require_auth_results=False)
    assert found[1][0] is Level.HINT and "wird nicht mehr beachtet" in found[1][1]
    assert _findings(mail_authserv_id="mx.praxis.de", mail_require_auth_results=True) == found[:1]
