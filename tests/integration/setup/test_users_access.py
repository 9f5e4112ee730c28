"""Who may do what, and the users behind the doors (core/services/people/access.py, users.py, audit.py)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import select

from core.bootstrap import App
from core.db.models import User
from core.domain.errors import InvalidInput, NotAllowed, NotFound
from core.services.people import access, audit, users
from core.services.people.access import OPERATOR, SYSTEM, Actor, Permission, Role
from tests.factories import add_user

STAFF = Actor(Role.STAFF, "telegram:1")
MANAGER = Actor(Role.MANAGER, "telegram:2")


@pytest.mark.parametrize(
    ("permission", "staff_may"),
    [
        (Permission.VIEW, True),
        (Permission.CREATE_CLAIM, True),
        (Permission.RECORD_PAYMENT, True),
        (Permission.WITHDRAW_CLAIM, False),
        (Permission.VIEW_REPORTS, False),
        (Permission.VIEW_AUDIT, False),
        (Permission.MANAGE_USERS, False),
        (Permission.ONBOARDING, False),
        (Permission.IMPORT, False),
    ],
)
def test_staff_do_the_daily_work_and_managers_everything(permission: Permission, staff_may: bool) -> None:
    assert STAFF.may(permission) is staff_may
    assert MANAGER.may(permission)
    assert OPERATOR.may(permission)
    if not staff_may:
        with pytest.raises(NotAllowed) as refused:
            access.require(STAFF, permission)
        assert "nur Praxisleitungen" in refused.value.user_message


def test_the_worker_may_only_view_and_move_the_onboarding() -> None:
    assert {p for p in Permission if SYSTEM.may(p)} == {Permission.VIEW, Permission.ONBOARDING}


def test_a_registered_telegram_user_acts_with_their_role(app: App) -> None:
    user = add_user(app, role=Role.MANAGER, telegram_id=4711, name="Dr. Sonnenhof")
    actor = access.actor_for_telegram(app.uow(), practice_id=app.practice_id, telegram_id=4711)
    assert actor == Actor(Role.MANAGER, "telegram:4711", user.id, "Dr. Sonnenhof")


def test_an_unknown_telegram_user_is_refused_in_german(sqlite_app: App) -> None:
    add_user(sqlite_app, telegram_id=4711)
    with pytest.raises(NotAllowed) as refused:
        access.actor_for_telegram(sqlite_app.uow(), practice_id=sqlite_app.practice_id, telegram_id=4712)
    assert refused.value.user_message.startswith("Dieser Zugang ist nicht freigeschaltet.")


def test_mail_addresses_are_matched_regardless_of_case(sqlite_app: App) -> None:
    add_user(sqlite_app, email="Anna.Empfang@Praxis.example")
    actor = access.actor_for_email(
        sqlite_app.uow(), practice_id=sqlite_app.practice_id, email=" anna.empfang@praxis.EXAMPLE "
    )
    assert (actor.role, actor.label) == (Role.STAFF, "mail:anna.empfang@praxis.example")
    assert access.staff_addresses(sqlite_app.uow(), practice_id=sqlite_app.practice_id) == {
        "anna.empfang@praxis.example"
    }


def test_the_same_user_cannot_be_added_twice(app: App) -> None:
    add_user(app, telegram_id=4711)
    with pytest.raises(InvalidInput, match="Diesen Benutzer gibt es schon"):
        add_user(app, telegram_id=4711, role=Role.MANAGER)
    assert len(users.list_users(app.uow(), practice_id=app.practice_id, actor=OPERATOR)) == 1


@pytest.mark.parametrize(
    ("options", "reason"),
    [
        ({"role": "admin", "telegram_id": 1}, "Rolle muss „staff“ oder „manager“ sein."),
        ({"role": "operator", "telegram_id": 1}, "Rolle muss „staff“ oder „manager“ sein."),
        ({"role": "staff"}, "Bitte genau eins angeben"),
        ({"role": "staff", "telegram_id": 1, "email": "a@b.de"}, "Bitte genau eins angeben"),
        ({"role": "staff", "email": "kein-at-zeichen"}, "keine gültige E-Mail-Adresse"),
        ({"role": "staff", "telegram_id": -5}, "positive Zahl"),
        ({"role": "staff", "login": "x", "password": "lang-genug-123"}, "Login-Namen: 2–40 Zeichen"),
        ({"role": "staff", "login": "empfang", "password": "kurz"}, "mindestens 10 Zeichen"),
    ],
)
def test_bad_user_details_are_refused_in_german(
    sqlite_app: App, options: dict[str, Any], reason: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        users.add(sqlite_app.uow(), practice_id=sqlite_app.practice_id, actor=OPERATOR, **options)
    assert reason in refused.value.user_message


def test_staff_may_not_manage_users(sqlite_app: App) -> None:
    with pytest.raises(NotAllowed) as refused:
        users.add(
            sqlite_app.uow(), practice_id=sqlite_app.practice_id, actor=STAFF, role="staff", telegram_id=9
        )
    assert refused.value.user_message == "Benutzer verwalten dürfen nur Praxisleitungen."
    with pytest.raises(NotAllowed):
        users.list_users(sqlite_app.uow(), practice_id=sqlite_app.practice_id, actor=STAFF)


def test_a_dashboard_login_works_with_the_right_password_only(app: App) -> None:
    add_user(app, role=Role.MANAGER, login="chefin", password="sonnenhof-2026!")
    actor = users.login(app.uow(), practice_id=app.practice_id, login="chefin", password="sonnenhof-2026!")
    assert (actor.role, actor.label) == (Role.MANAGER, "dashboard:chefin")

    with pytest.raises(NotAllowed) as wrong_password:
        users.login(app.uow(), practice_id=app.practice_id, login="chefin", password="falsch", sleep=False)
    with pytest.raises(NotAllowed) as unknown_name:
        users.login(app.uow(), practice_id=app.practice_id, login="niemand", password="falsch", sleep=False)
    # The message never says which part was wrong.
    assert wrong_password.value.user_message == unknown_name.value.user_message


def test_failed_logins_are_counted_and_a_good_one_resets_the_count(sqlite_app: App) -> None:
    app = sqlite_app
    add_user(app, login="empfang", password="richtig-langes-passwort")
    for _ in range(2):
        with pytest.raises(NotAllowed):
            users.login(app.uow(), practice_id=app.practice_id, login="empfang", password="x", sleep=False)
    with app.uow() as uow:
        assert uow.session.exec(select(User.failed_logins)).one() == 2
    users.login(app.uow(), practice_id=app.practice_id, login="empfang", password="richtig-langes-passwort")
    with app.uow() as uow:
        assert uow.session.exec(select(User.failed_logins)).one() == 0


def test_a_removed_user_is_no_longer_let_in(sqlite_app: App) -> None:
    user = add_user(sqlite_app, telegram_id=4711)
    users.remove(sqlite_app.uow(), practice_id=sqlite_app.practice_id, actor=OPERATOR, user_id=user.id)
    with pytest.raises(NotAllowed):
        access.actor_for_telegram(sqlite_app.uow(), practice_id=sqlite_app.practice_id, telegram_id=4711)
    with pytest.raises(NotFound, match=f"Benutzer {user.id} gibt es nicht"):
        users.remove(sqlite_app.uow(), practice_id=sqlite_app.practice_id, actor=OPERATOR, user_id=user.id)


def test_a_manager_cannot_remove_themselves(sqlite_app: App) -> None:
    app = sqlite_app
    manager = add_user(app, role=Role.MANAGER, telegram_id=1)
    me = access.actor_for_telegram(app.uow(), practice_id=app.practice_id, telegram_id=1)
    with pytest.raises(NotAllowed, match="Sich selbst entfernen geht nicht"):
        users.remove(app.uow(), practice_id=app.practice_id, actor=me, user_id=manager.id)


def test_user_changes_are_in_the_audit_log_which_only_managers_see(app: App) -> None:
    user = add_user(app, telegram_id=4711, role=Role.STAFF)
    users.remove(app.uow(), practice_id=app.practice_id, actor=OPERATOR, user_id=user.id)

    page = audit.list_events(app.uow(), practice_id=app.practice_id, actor=MANAGER, action_prefix="user.")
    assert [(e.action, e.subject, e.actor) for e in page.events] == [
        ("user.remove", f"user:{user.id}", "cli"),
        ("user.add", f"user:{user.id}", "cli"),
    ]
    assert page.total == 2
    with pytest.raises(NotAllowed) as refused:
        audit.list_events(app.uow(), practice_id=app.practice_id, actor=STAFF)
    assert refused.value.user_message == "Das Protokoll sehen nur Praxisleitungen."
