"""Import the practice software's invoice export: all or nothing, streamed, in batches."""

from __future__ import annotations

import codecs
import csv
import json
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from sqlalchemy import bindparam, func, insert, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from core.db.engine import UnitOfWork
from core.db.models import Invoice, Patient
from core.domain.claims import InvoiceStatus, invoice_status
from core.domain.dates import utcnow
from core.domain.errors import ImportRefused, InvalidInput
from core.domain.invoice_rows import COLUMNS, REQUIRED, InvoiceRow, parse_row
from core.services import audit
from core.services.access import Actor, Permission, require
from core.services.onboarding import get_practice

BATCH = 2000
_AGENCY_STATES = {InvoiceStatus.IN_COLLECTION, InvoiceStatus.COMPLETE, InvoiceStatus.UNCOLLECTIBLE}


@dataclass(frozen=True)
class ImportResult:
    rows: int
    created: int
    updated: int
    unchanged: int
    dry_run: bool


def load_mapping(path: Path | None) -> dict[str, str]:
    """A mapping file renames the export's columns: JSON or TOML, `{"Export-Spalte": "Rechnungsnummer"}`."""
    if path is None:
        return {}
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text) if path.suffix == ".toml" else json.loads(text)
    except (OSError, ValueError) as exc:
        raise InvalidInput(f"Die Zuordnungsdatei {path.name} ist nicht lesbar: {exc}") from None
    data = data.get("spalten", data)
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise InvalidInput('Zuordnungsdatei: bitte als {"Export-Spalte": "Rechnungsnummer", …} angeben.')
    unknown = sorted(set(data.values()) - set(COLUMNS))
    if unknown:
        raise InvalidInput(f"Zuordnungsdatei nennt unbekannte Zielspalten: {', '.join(unknown)}.")
    return data


def _encoding(path: Path) -> str:
    """UTF-8 (with or without BOM) if the whole file decodes as such, else Windows-1252.

    Checked over all bytes first: a Windows-1252 umlaut may appear only deep in the file, after
    rows were already handed on as UTF-8.
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as handle:
        try:
            while chunk := handle.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252"
    return "utf-8-sig"


def _lines(path: Path) -> Iterator[str]:
    """Stream the file as text in its encoding."""
    with path.open(encoding=_encoding(path), newline="") as handle:
        yield from handle


def read_rows(path: Path, mapping: dict[str, str]) -> list[tuple[int, InvoiceRow]]:
    """Parse and validate the whole file; raise ImportRefused listing every bad row."""
    try:
        lines = _lines(path)
        reader = csv.reader(lines, delimiter=";")
        header = next(reader, None)
    except FileNotFoundError:
        raise InvalidInput(f"Die Datei {path} gibt es nicht. Bitte den Pfad prüfen.") from None
    except OSError:
        raise InvalidInput(f"Die Datei {path} ist nicht lesbar. Bitte Pfad und Rechte prüfen.") from None
    except UnicodeDecodeError:
        raise ImportRefused([(1, "Zeichen weder in UTF-8 noch in Windows-1252 lesbar")]) from None
    if header is None or not any(h.strip() for h in header):
        raise ImportRefused([(1, "Die Datei ist leer. Erwartet wird eine Kopfzeile mit Spaltennamen.")])
    columns = _columns(header, mapping)
    rows: list[tuple[int, InvoiceRow]] = []
    problems: list[tuple[int, str]] = []
    seen: dict[str, int] = {}
    try:
        for values in reader:
            line = reader.line_num
            if not any(v.strip() for v in values):
                continue
            if len(values) != len(columns):
                problems.append((line, f"{len(values)} Spalten statt {len(columns)}"))
                continue
            try:
                row = parse_row(dict(zip(columns, values, strict=True)))
            except InvalidInput as exc:
                problems.append((line, exc.user_message))
                continue
            if row.number in seen:
                problems.append(
                    (line, f"Rechnungsnummer {row.number} steht schon in Zeile {seen[row.number]}")
                )
                continue
            seen[row.number] = line
            rows.append((line, row))
    except csv.Error as exc:
        problems.append((reader.line_num, f"Zeile ist kein gültiges CSV ({exc})"))
    except UnicodeDecodeError:
        problems.append((reader.line_num + 1, "Zeichen weder in UTF-8 noch in Windows-1252 lesbar"))
    if problems:
        raise ImportRefused(problems)
    if not rows:
        raise ImportRefused([(2, "Die Datei enthält keine Rechnungen.")])
    return rows


def _columns(header: list[str], mapping: dict[str, str]) -> list[str]:
    names = [mapping.get(h.strip(), h.strip()) for h in header]
    if len(names) == 1 and ("," in header[0] or "\t" in header[0]):
        raise ImportRefused([(1, "Falsches Trennzeichen: Spalten bitte mit Semikolon (;) trennen.")])
    problems = []
    unknown = [n for n in names if n not in COLUMNS]
    if unknown:
        problems.append(f"unbekannte Spalte(n): {', '.join(unknown)}")
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        problems.append(f"Pflichtspalte(n) fehlen: {', '.join(missing)}")
    doubled = sorted({n for n in names if names.count(n) > 1})
    if doubled:
        problems.append(f"doppelte Spalte(n): {', '.join(doubled)}")
    if problems:
        raise ImportRefused([(1, "; ".join(problems))])
    return names


def import_invoices(
    uow: UnitOfWork,
    *,
    practice_id: int,
    actor: Actor,
    path: Path,
    mapping_path: Path | None = None,
    dry_run: bool = False,
) -> ImportResult:
    require(actor, Permission.IMPORT)
    rows = read_rows(path, load_mapping(mapping_path))
    with uow:
        session = uow.session
        get_practice(uow, practice_id)  # a German "set up the practice first" instead of a foreign-key error
        known = {
            number: (invoice_id, row_hash, status, paid_direct)
            for number, invoice_id, row_hash, status, paid_direct in session.execute(
                sa_select(
                    col(Invoice.number),
                    col(Invoice.id),
                    col(Invoice.row_hash),
                    col(Invoice.status),
                    col(Invoice.paid_direct),
                ).where(col(Invoice.practice_id) == practice_id)
            ).all()
        }
        fresh = [r for _, r in rows if r.number not in known]
        changed = [r for _, r in rows if r.number in known and known[r.number][1] != r.row_hash()]
        result = ImportResult(
            len(rows), len(fresh), len(changed), len(rows) - len(fresh) - len(changed), dry_run
        )
        if dry_run or not (fresh or changed):
            return result
        patients = _ensure_patients(session, practice_id, fresh + changed)
        now = utcnow()
        for start in range(0, len(fresh), BATCH):
            # Core executemany: the ORM bulk path splits batches wherever optional cells are empty.
            session.connection().execute(
                insert(Invoice.__table__),  # type: ignore[attr-defined]
                [
                    {
                        **_invoice_values(r, practice_id, patients[r.patient_key], now),
                        "paid_direct": Decimal(0),
                    }
                    for r in fresh[start : start + BATCH]
                ],
            )
        updates = []
        for r in changed:
            invoice_id, _, status, paid_direct = known[r.number]
            values = _invoice_values(r, practice_id, patients[r.patient_key], now)
            if status in _AGENCY_STATES:
                values["status"] = status  # the agency's side is not the export's to change
            else:
                values["status"] = invoice_status(
                    amount=r.amount, paid=r.paid + paid_direct, claim_open=False
                )
            values["b_id"] = invoice_id
            updates.append(values)
        if updates:
            stmt = update(Invoice).where(Invoice.id == bindparam("b_id"))  # type: ignore[arg-type]
            for start in range(0, len(updates), BATCH):
                session.connection().execute(stmt, updates[start : start + BATCH])
        audit.record(
            session,
            practice_id=practice_id,
            actor=actor,
            action="invoices.import",
            subject=path.name,
            created=result.created,
            updated=result.updated,
            unchanged=result.unchanged,
        )
        uow.commit()
        return result


def _ensure_patients(session: Session, practice_id: int, rows: list[InvoiceRow]) -> dict[str, int]:
    """Patient ids by key: new patients inserted, known ones given the export's newer contact data."""
    wanted = {r.patient_key: r for r in rows}
    existing = _patient_ids(session, practice_id, list(wanted))
    known = []
    for key, r in wanted.items():
        if key in existing:
            values = _patient_values(r, practice_id)
            values["b_consent"] = values.pop("consent_date")
            known.append({**values, "b_id": existing[key]})
    if known:
        # A consent recorded in the product is kept when the export has none.
        stmt = (
            update(Patient)
            .where(Patient.id == bindparam("b_id"))  # type: ignore[arg-type]
            .values(consent_date=func.coalesce(bindparam("b_consent"), Patient.consent_date))
        )
        for start in range(0, len(known), BATCH):
            session.connection().execute(stmt, known[start : start + BATCH])
    missing = [r for key, r in wanted.items() if key not in existing]
    for start in range(0, len(missing), BATCH):
        session.connection().execute(
            insert(Patient.__table__),  # type: ignore[attr-defined]
            [_patient_values(r, practice_id) for r in missing[start : start + BATCH]],
        )
    if missing:
        existing.update(_patient_ids(session, practice_id, [r.patient_key for r in missing]))
    return existing


def _patient_ids(session: Session, practice_id: int, keys: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        found.update(
            (key, patient_id)
            for key, patient_id in session.exec(
                select(col(Patient.patient_key), col(Patient.id)).where(
                    Patient.practice_id == practice_id,
                    col(Patient.patient_key).in_(chunk),
                )
            ).all()
            if patient_id is not None
        )
    return found


def _patient_values(r: InvoiceRow, practice_id: int) -> dict[str, object]:
    return {
        "practice_id": practice_id,
        "patient_key": r.patient_key,
        "salutation": r.salutation,
        "first_name": r.first_name,
        "last_name": r.last_name,
        "company": r.company,
        "street": r.street,
        "zip": r.zip,
        "city": r.city,
        "country": r.country,
        "birth_date": r.birth_date,
        "email": r.email,
        "phone": r.phone,
        "consent_date": r.consent_date,
    }


def _invoice_values(r: InvoiceRow, practice_id: int, patient_id: int, now: object) -> dict[str, object]:
    return {
        "practice_id": practice_id,
        "patient_id": patient_id,
        "number": r.number,
        "invoice_date": r.invoice_date,
        "due_date": r.due_date,
        "amount": r.amount,
        "paid_before": r.paid,
        "service_text": r.service_text,
        "reminder_date": r.reminder_date,
        "handover_announced": r.handover_announced,
        "consent_date": r.consent_date,
        "row_hash": r.row_hash(),
        "updated_at": now,
        "status": invoice_status(amount=r.amount, paid=r.paid, claim_open=False),
    }
