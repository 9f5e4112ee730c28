"""The Onboarding page lists mails kept zu prüfen; a manager confirms the one step a mail carries."""

from __future__ import annotations

from sqlalchemy import update

from core.db.models import Practice
from core.domain.onboarding import OnboardingState
from core.services.messaging import mail_records, mail_reviews
from tests.integration.dashboard.dashboard_helpers import (  # noqa: F401
    Dash,
    _fresh_dash,
    texts,
)

CONFIRM = "Bestätigen: Vertrag als erhalten markieren"


def _kept_contract(dash: Dash) -> None:
    app = dash.app
    with app.uow() as uow:
        uow.session.connection().execute(
            update(Practice).values(onboarding_state=OnboardingState.REQUESTED.value)
        )
        uow.commit()
    mail_records.claim(
        app.uow(),
        practice_id=app.practice_id,
        message_key="<vertrag-1@1159finance.com>",
        raw=b"From: vertrag@1159finance.com\r\n\r\n",
        kind="agency_contract",
        sender="vertrag@1159finance.com",
        subject="[Login](http://evil.test) Ihr Inkasso-Vertrag zur Unterschrift",
    )
    mail_reviews.keep(
        app.uow(),
        practice_id=app.practice_id,
        message_key="<vertrag-1@1159finance.com>",
        outcome=f"{mail_reviews.UNVERIFIED}: no MAIL_AUTHSERV_ID configured",
    )


def test_staff_see_kept_mails_but_cannot_confirm_them(fresh_dash: Dash) -> None:
    _kept_contract(fresh_dash)
    at = fresh_dash.run("staff", "views/onboarding.py")
    assert not at.exception
    table = at.dataframe[0].value
    assert list(table["Art"]) == ["Vertrag von 1159 Finance"]
    assert list(table["Betreff"]) == ["[Login](http://evil.test) Ihr Inkasso-Vertrag zur Unterschrift"]
    assert not [b for b in at.button if b.label.startswith("Bestätigen")]
    assert "Bestätigen können nur Praxisleitungen." in texts(at)


def test_a_manager_confirms_the_kept_contract_and_it_leaves_the_list(fresh_dash: Dash) -> None:
    _kept_contract(fresh_dash)
    at = fresh_dash.run("manager", "views/onboarding.py")
    [confirm] = [b for b in at.button if b.label.startswith(CONFIRM)]
    confirm.click().run()
    assert not at.exception
    assert "Bestätigt. Onboarding ist jetzt: Vertrag erhalten" in texts(at)
    assert "Keine Mail wartet auf eine Prüfung." in texts(at)
    assert mail_reviews.pending(fresh_dash.app.uow(), practice_id=fresh_dash.app.practice_id) == []
