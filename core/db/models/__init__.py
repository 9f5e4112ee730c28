"""Every table of the product; a practice id on every row."""

from core.db.models.bank import BankTransaction
from core.db.models.books import BookExport, BookMonth, BookSettings
from core.db.models.collection import Claim, Fee, Payment, SyncCursor
from core.db.models.consents import Consent
from core.db.models.invoices import Invoice, InvoiceRecipient, Patient
from core.db.models.ops import WorkerProblem
from core.db.models.payments_in import PaymentSuggestion
from core.db.models.practice import OnboardingEvent, Practice, User
from core.db.models.records import (
    AuditEvent,
    Confirmation,
    MailCursor,
    MailRecord,
    Notification,
    OutboxItem,
    Statement,
)
from core.db.models.sessions import LoginSession

__all__ = [
    "AuditEvent",
    "BankTransaction",
    "BookExport",
    "BookMonth",
    "BookSettings",
    "Claim",
    "Confirmation",
    "Consent",
    "Fee",
    "Invoice",
    "InvoiceRecipient",
    "LoginSession",
    "MailCursor",
    "MailRecord",
    "Notification",
    "OnboardingEvent",
    "OutboxItem",
    "Patient",
    "Payment",
    "PaymentSuggestion",
    "Practice",
    "Statement",
    "SyncCursor",
    "User",
    "WorkerProblem",
]
