"""What an import would do, before anything is stored: the first rows as read, every problem,
every warning and the counts (the dashboard's preview; the import itself is `invoice_import`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from core.db.engine import UnitOfWork
from core.domain.dates import format_date
from core.domain.errors import ImportRefused, InvalidInput
from core.domain.invoice_rows import InvoiceRow
from core.domain.money import format_eur
from core.services.invoicing.import_profile import load_profile
from core.services.invoicing.invoice_csv import read_rows
from core.services.invoicing.invoice_import import ImportResult, import_invoices
from core.services.people.access import Actor, Permission, require

__all__ = ["ImportPreview", "preview_import", "shown"]


@dataclass(frozen=True)
class ImportPreview:
    first_rows: list[dict[str, str]]  # the first good rows as the product read them, in German
    result: ImportResult | None  # the counts of a dry run; None if the file would be refused
    problems: list[tuple[int, str]] = field(default_factory=list)  # (line, reason): the file is refused
    refusal: str = ""  # a file refused as a whole (no export at all, a bad profile): one sentence

    @property
    def importable(self) -> bool:
        return self.result is not None


def preview_import(
    uow: UnitOfWork,
    *,
    practice_id: int,
    actor: Actor,
    path: Path,
    profile: str | Path | None = None,
    first: int = 10,
) -> ImportPreview:
    """Read the whole file as the import would (a dry run: nothing is stored) and show its start."""
    require(actor, Permission.IMPORT)
    try:
        result = import_invoices(
            uow, practice_id=practice_id, actor=actor, path=path, profile=profile, dry_run=True
        )
    except ImportRefused as refused:
        return ImportPreview(_first_rows(path, profile, first), None, problems=refused.problems)
    except InvalidInput as refused:
        return ImportPreview([], None, refusal=refused.user_message)
    return ImportPreview(_first_rows(path, profile, first), result)


def _first_rows(path: Path, profile: str | Path | None, first: int) -> list[dict[str, str]]:
    try:
        rows = read_rows(path, {}, [], profile=load_profile(profile))
        return [shown(row) for _, row in islice(rows, first)]
    except InvalidInput:
        return []  # the header itself is bad: the problems say why


def shown(row: InvoiceRow) -> dict[str, str]:
    """One row as the preview table shows it."""
    name = " ".join(p for p in (row.first_name, row.last_name) if p)
    return {
        "Rechnungsnummer": row.number,
        "Rechnungsdatum": format_date(row.invoice_date),
        "Fällig am": format_date(row.due_date),
        "Betrag": format_eur(row.amount),
        "Bezahlt": format_eur(row.paid),
        "Patient": f"{name} ({row.company})" if row.company else name,
        "Anschrift": f"{row.street}, {row.zip} {row.city}",
        "E-Mail": row.email,
        "Telefon": row.phone,
    }
