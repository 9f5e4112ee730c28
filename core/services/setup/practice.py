"""The practice itself (Praxisdaten): set up once with its own data, shown, changed field by field.

Set-up never adds demo data (that is `core.services.demo`); each change is one audit entry.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from core.db.engine import UnitOfWork
from core.db.models import Practice
from core.domain.errors import InvalidInput, PreconditionFailed
from core.services.people import audit
from core.services.people.access import Actor, Permission, require
from core.services.setup import onboarding
from core.services.setup.practice_fields import FIELDS, check, format_iban

__all__ = ["PracticeView", "create", "mail_address", "set_field", "show", "update"]

_SECOND = (
    "Es ist bereits eine Praxis eingerichtet („{name}“). Praxis-Inkasso führt genau eine Praxis; "
    "Angaben ändern mit `inkasso practice set FELD WERT` oder im Dashboard unter "
    "Einstellungen → Praxisdaten."
)


@dataclass(frozen=True)
class PracticeView:
    id: int
    name: str
    street: str
    zip: str
    city: str
    email: str
    phone: str
    tax_number: str
    iban: str
    onboarding_state: str

    @property
    def iban_grouped(self) -> str:
        return format_iban(self.iban)


def _view(p: Practice) -> PracticeView:
    assert p.id is not None
    return PracticeView(
        p.id, p.name, p.street, p.zip, p.city, p.email, p.phone, p.tax_number, p.iban, p.onboarding_state
    )


def _checked(values: Mapping[str, str]) -> dict[str, str]:
    """Every given field checked; all problems in one German message, or the values as stored."""
    clean: dict[str, str] = {}
    problems: list[str] = []
    for name, value in values.items():
        try:
            clean[name] = check(name, value)
        except InvalidInput as exc:
            problems.append(exc.user_message)
    if problems:
        raise InvalidInput(" ".join(problems), f"practice fields refused: {sorted(values)}")
    return clean


def create(
    uow: UnitOfWork,
    *,
    practice_id: int,
    actor: Actor,
    values: Mapping[str, str],
    case_fee: Decimal = Decimal("2.50"),
) -> PracticeView:
    """Set up the practice with its own data; refuses when one exists. Adds no invoices or users."""
    require(actor, Permission.PRACTICE)
    given = {name: values.get(name, "") for name in FIELDS}
    clean = _checked(given)
    with uow:
        existing = uow.session.exec(select(Practice).order_by(col(Practice.id))).first()
        if existing is not None:
            raise PreconditionFailed(_SECOND.format(name=existing.name), "practice exists already")
        practice = Practice(id=practice_id, name=clean["name"], case_fee=case_fee)
        for name, value in clean.items():
            setattr(practice, name, value)
        uow.session.add(practice)
        try:
            uow.session.flush()
        except IntegrityError:  # set up at the same moment elsewhere
            raise PreconditionFailed(
                _SECOND.format(name=clean["name"]), "practice created concurrently"
            ) from None
        audit.record(
            uow.session,
            practice_id=practice_id,
            actor=actor,
            action="practice.setup",
            subject="practice",
            fields=",".join(n for n in FIELDS if clean[n]),
        )
        uow.commit()
        return _view(practice)


def show(uow: UnitOfWork, *, practice_id: int) -> PracticeView:
    with uow:
        return _view(onboarding.get_practice(uow, practice_id))


def mail_address(uow: UnitOfWork, *, practice_id: int, fallback: str) -> str:
    """The practice's stored mail address (Praxisdaten), which mail from the practice and the agency
    use; `fallback` (PRACTICE_EMAIL) only while no practice or no address is stored."""
    with uow:
        found = uow.session.get(Practice, practice_id)
        return found.email if found is not None and found.email else fallback


def update(uow: UnitOfWork, *, practice_id: int, actor: Actor, values: Mapping[str, str]) -> list[str]:
    """Change the given fields (all checked first: all or nothing); returns the names that changed.

    Each changed field is its own audit entry with the old and the new value."""
    require(actor, Permission.PRACTICE)
    clean = _checked(values)
    with uow:
        practice = onboarding.get_practice(uow, practice_id)
        changed = [name for name, value in clean.items() if getattr(practice, name) != value]
        for name in changed:
            old = getattr(practice, name)
            setattr(practice, name, clean[name])
            audit.record(
                uow.session,
                practice_id=practice_id,
                actor=actor,
                action="practice.set",
                subject="practice",
                field=name,
                old=old,
                new=clean[name],
            )
        uow.session.add(practice)
        uow.commit()
        return changed


def set_field(uow: UnitOfWork, *, practice_id: int, actor: Actor, field: str, value: str) -> bool:
    """Change one field; True if it changed (the same value again changes nothing)."""
    return bool(update(uow, practice_id=practice_id, actor=actor, values={field: value}))
