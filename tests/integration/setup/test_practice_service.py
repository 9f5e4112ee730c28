"""The practice's own data and the first start, on SQLite and PostgreSQL (core/services/setup/)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from sqlmodel import col, select

from core.bootstrap import App
from core.db.models import AuditEvent, Invoice, Practice, User
from core.domain.errors import InvalidInput, NotAllowed, NotFound, PreconditionFailed
from core.services.people.access import OPERATOR, Actor, Role
from core.services.setup import first_start, practice, setup_code
from tests.factories import make_app

VALUES = {
    "name": "Psychotherapie Lindenhof",
    "street": "Lindenweg 3",
    "zip": "50667",
    "city": "Köln",
    "email": "kontakt@lindenhof-praxis.de",
    "phone": "0221 4711 0815",
    "tax_number": "DE 136 695 976",
    "iban": "DE89 3704 0044 0532 0130 00",
}


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[App]:
    made = make_app(database_url, tmp_path)
    try:
        yield made
    finally:
        made.close()


def _create(app: App, **changes: str) -> practice.PracticeView:
    return practice.create(
        app.uow(), practice_id=app.practice_id, actor=OPERATOR, values={**VALUES, **changes}
    )


def _audit(app: App) -> list[tuple[str, str, dict[str, object]]]:
    with app.uow() as uow:
        found = uow.session.exec(select(AuditEvent).order_by(col(AuditEvent.id))).all()
        return [(e.action, e.actor, dict(e.details)) for e in found]


def test_set_up_stores_the_checked_values_and_adds_nothing_else(app: App) -> None:
    made = _create(app)

    assert (made.id, made.name, made.email) == (app.practice_id, VALUES["name"], VALUES["email"])
    assert (made.tax_number, made.iban, made.iban_grouped) == (
        "DE136695976",
        "DE89370400440532013000",
        "DE89 3704 0044 0532 0130 00",
    )
    assert practice.show(app.uow(), practice_id=app.practice_id) == made
    with app.uow() as uow:
        assert uow.session.exec(select(Invoice)).all() == []
        assert uow.session.exec(select(User)).all() == []
    assert [a[0] for a in _audit(app)] == ["practice.setup"]


def test_a_second_practice_is_refused_and_the_first_stays_as_it_was(app: App) -> None:
    _create(app)
    with pytest.raises(PreconditionFailed) as refused:
        _create(app, name="Zweite Praxis")
    assert (
        "Es ist bereits eine Praxis eingerichtet („Psychotherapie Lindenhof“)" in refused.value.user_message
    )
    with app.uow() as uow:
        assert [p.name for p in uow.session.exec(select(Practice)).all()] == [VALUES["name"]]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("zip", "1234", "PLZ: „1234“ ist keine deutsche Postleitzahl."),
        ("zip", "D-50667", "PLZ: „D-50667“ ist keine deutsche Postleitzahl."),
        ("email", "kontakt@", "„kontakt@“ ist keine gültige E-Mail-Adresse."),
        (
            "iban",
            "DE89 3704 0044 0532 0130 01",
            "IBAN: „DE89 3704 0044 0532 0130 01“ ist keine gültige IBAN.",
        ),
        ("tax_number", "12345", "Steuernummer: „12345“ ist weder eine Steuernummer"),
        ("phone", "12", "Telefon: „12“ ist keine gültige Telefonnummer."),
        ("name", "", "Name der Praxis fehlt. Bitte angeben."),
        ("city", "Köln\x1b[31m", "Ort: Steuerzeichen sind nicht erlaubt."),
        ("street", "x" * 201, "Straße und Hausnummer: höchstens 200 Zeichen"),
    ],
)
def test_a_bad_value_is_refused_in_german_and_nothing_is_stored(
    app: App, field: str, value: str, message: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        _create(app, **{field: value})
    assert message in refused.value.user_message
    with app.uow() as uow:
        assert uow.session.exec(select(Practice)).all() == []


def test_setting_a_field_changes_it_with_an_audit_entry_and_the_same_value_changes_nothing(app: App) -> None:
    _create(app)
    manager = Actor(Role.MANAGER, "dashboard:chefin", 1)

    assert practice.set_field(
        app.uow(), practice_id=app.practice_id, actor=manager, field="email", value="neu@lindenhof-praxis.de"
    )
    assert not practice.set_field(
        app.uow(), practice_id=app.practice_id, actor=manager, field="email", value="neu@lindenhof-praxis.de"
    )

    assert practice.show(app.uow(), practice_id=app.practice_id).email == "neu@lindenhof-praxis.de"
    assert _audit(app)[1:] == [
        (
            "practice.set",
            "dashboard:chefin",
            {"field": "email", "old": VALUES["email"], "new": "neu@lindenhof-praxis.de"},
        )
    ]


def test_an_update_with_one_bad_field_changes_no_field(app: App) -> None:
    _create(app)
    with pytest.raises(InvalidInput):
        practice.update(
            app.uow(),
            practice_id=app.practice_id,
            actor=OPERATOR,
            values={"city": "Bonn", "iban": "DE00"},
        )
    shown = practice.show(app.uow(), practice_id=app.practice_id)
    assert (shown.city, shown.iban) == ("Köln", "DE89370400440532013000")
    assert len(_audit(app)) == 1


def test_staff_may_not_change_the_practice_data(app: App) -> None:
    _create(app)
    with pytest.raises(NotAllowed) as refused:
        practice.set_field(
            app.uow(), practice_id=app.practice_id, actor=Actor(Role.STAFF, "t"), field="city", value="Bonn"
        )
    assert refused.value.user_message == "Die Praxisdaten ändern nur Praxisleitungen."


def test_setting_a_field_before_set_up_says_how_to_set_up(app: App) -> None:
    with pytest.raises(NotFound) as missing:
        practice.set_field(app.uow(), practice_id=app.practice_id, actor=OPERATOR, field="city", value="Bonn")
    assert "`inkasso practice setup`" in missing.value.user_message


def test_the_first_start_goes_from_practice_to_manager_to_ready_and_then_closes(app: App) -> None:
    assert first_start.stage(app.uow(), practice_id=app.practice_id) == first_start.Stage.PRACTICE
    code = setup_code.setup_code(app.settings)
    first_start.create_practice(
        app.uow(), practice_id=app.practice_id, values=VALUES, case_fee=Decimal("3.00"), code=code
    )
    assert first_start.stage(app.uow(), practice_id=app.practice_id) == first_start.Stage.MANAGER

    made = first_start.add_first_manager(
        app.uow(),
        practice_id=app.practice_id,
        login="chefin",
        password="richtig-langes-passwort",
        name="Dr. L",
        code=code.lower().replace("-", " "),  # as typed: case, spaces and dashes do not matter
    )

    assert (made.role, made.login, made.name) == ("manager", "chefin", "Dr. L")
    assert first_start.stage(app.uow(), practice_id=app.practice_id) == first_start.Stage.READY
    with pytest.raises(NotAllowed) as closed:
        first_start.add_first_manager(
            app.uow(),
            practice_id=app.practice_id,
            login="zweiter",
            password="richtig-langes-passwort",
            code=code,
        )
    assert closed.value.user_message.startswith("Die Einrichtung ist abgeschlossen")
    assert not setup_code.code_path(app.settings).exists()  # the code opens nothing any more
    assert [(a[0], a[1]) for a in _audit(app)] == [
        ("practice.setup", "dashboard:einrichtung"),
        ("user.add", "dashboard:einrichtung"),
    ]
    with app.uow() as uow:
        assert uow.session.get(Practice, app.practice_id).case_fee == Decimal("3.00")  # type: ignore[union-attr]


def test_two_first_managers_at_the_same_moment_make_exactly_one(app: App) -> None:
    _create(app)
    code = setup_code.setup_code(app.settings)
    outcomes: list[str] = []
    start = threading.Barrier(2)

    def attempt(login: str) -> None:
        start.wait()
        try:
            first_start.add_first_manager(
                app.uow(),
                practice_id=app.practice_id,
                login=login,
                password="richtig-langes-passwort",
                code=code,
            )
            outcomes.append("ok")
        except NotAllowed:
            outcomes.append("refused")
        except Exception as exc:  # SQLite: the loser may find the database locked
            outcomes.append(type(exc).__name__)

    threads = [threading.Thread(target=attempt, args=(name,)) for name in ("erste", "zweite")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)

    assert outcomes.count("ok") == 1
    with app.uow() as uow:
        assert len(uow.session.exec(select(User).where(User.role == "manager")).all()) == 1


@pytest.mark.parametrize("typed", ["", "ABCD-EFGH-JKMN", "falsch"])
def test_the_first_start_without_the_right_set_up_code_changes_nothing(app: App, typed: str) -> None:
    """Whoever reaches an empty dashboard (behind a proxy: anyone) must not become its manager."""
    with pytest.raises(NotAllowed) as refused:
        first_start.create_practice(
            app.uow(), practice_id=app.practice_id, values=VALUES, case_fee=Decimal("3.00"), code=typed
        )
    assert "`inkasso practice setup-code`" in refused.value.user_message
    assert first_start.stage(app.uow(), practice_id=app.practice_id) == first_start.Stage.PRACTICE

    _create(app)  # the practice was made on the server (`inkasso practice setup`)
    with pytest.raises(NotAllowed):
        first_start.add_first_manager(
            app.uow(), practice_id=app.practice_id, login="eindringling", password="richtig-langes-passwort",
            code=typed,
        )  # fmt: skip
    assert first_start.stage(app.uow(), practice_id=app.practice_id) == first_start.Stage.MANAGER
    path = setup_code.code_path(app.settings)
    assert path.stat().st_mode & 0o777 == 0o600
    assert len(setup_code.setup_code(app.settings).replace("-", "")) == 12
