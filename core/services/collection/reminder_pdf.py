"""The reminder letter as a PDF: the announcement that creates the basis for a hand-over.

Only the text is laid out here; what it says comes from `reminder_letters.py`. The letter names
1159 Finance as recipient, lists the data that would be passed (by name and value), gives the
payment deadline and explains the right to object (Art. 21 GDPR).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from core.domain.dates import format_date
from core.domain.money import format_eur
from core.services.accounting.pdf_font import UnicodePdf

__all__ = ["AGENCY", "LetterText", "render"]

AGENCY = "1159 Finance"


@dataclass(frozen=True)
class LetterText:
    practice: list[str]  # name and address lines
    addressee: list[str]
    number: str
    invoice_date: date
    due_date: date
    open_amount: Decimal
    letter_date: date
    deadline: date
    iban: str
    passed: list[tuple[str, str]]  # what 1159 Finance would receive, by name


def _paragraphs(t: LetterText) -> list[str]:
    pay = f" auf das Konto IBAN {t.iban}" if t.iban else ""
    return [
        f"unsere Rechnung Nr. {t.number} vom {format_date(t.invoice_date)} war am "
        f"{format_date(t.due_date)} fällig. Bis heute ist ein Betrag von {format_eur(t.open_amount)} offen.",
        f"Bitte zahlen Sie diesen Betrag bis zum {format_date(t.deadline)}{pay}.",
        f"Ankündigung der Übergabe an ein Inkassounternehmen: Geht Ihre Zahlung bis zu dieser Frist nicht "
        f"ein, übergeben wir die Forderung zur Einziehung an {AGENCY}. Dazu erhält {AGENCY} die "
        "folgenden Angaben (und keine Angaben zu Ihrer Behandlung):",
    ]


def _objection(t: LetterText) -> list[str]:
    practice = t.practice[0] if t.practice else "uns"
    return [
        "Ihr Recht auf Widerspruch (Art. 21 DSGVO): Sie können der Übermittlung Ihrer Daten an "
        f"{AGENCY} aus Gründen, die sich aus Ihrer besonderen Situation ergeben, jederzeit "
        f"widersprechen. Bitte wenden Sie sich dazu bis zum {format_date(t.deadline)} an {practice}. "
        "Sie können die Übergabe auch vermeiden, indem Sie den offenen Betrag fristgerecht zahlen "
        "oder sich mit uns in Verbindung setzen.",
        "Weitere Informationen zum Datenschutz finden Sie in unseren Datenschutzhinweisen.",
    ]


def render(t: LetterText) -> bytes:
    pdf = UnicodePdf(format="A4")
    pdf.set_margins(25, 20, 20)
    pdf.add_page()
    pdf.set_font(pdf.family, "", 8)
    pdf.cell(0, 5, " · ".join(t.practice), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font(pdf.family, "", 11)
    for line in t.addressee:
        pdf.cell(0, 5.5, line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(10)
    pdf.cell(0, 6, format_date(t.letter_date), align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(pdf.family, "B", 12)
    pdf.cell(0, 8, f"Zahlungserinnerung und Mahnung – Rechnung {t.number}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(pdf.family, "", 11)
    pdf.ln(2)
    greeting = f"Guten Tag {t.addressee[0]}," if t.addressee else "Guten Tag,"
    pdf.multi_cell(0, 5.5, greeting, new_x="LMARGIN", new_y="NEXT")
    for text in _paragraphs(t):
        pdf.ln(2)
        pdf.multi_cell(0, 5.5, text, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)
    for label, value in t.passed:
        pdf.multi_cell(0, 5.5, f"– {label}: {value}", new_x="LMARGIN", new_y="NEXT")
    for text in _objection(t):
        pdf.ln(2)
        pdf.multi_cell(0, 5.5, text, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.multi_cell(0, 5.5, "Mit freundlichen Grüßen\n" + (t.practice[0] if t.practice else ""))
    return bytes(pdf.output())
