"""The 1159 Finance wire format: every assumed path, header, field, status and error code.

Only part of the agency's documentation is known (see FINANCE1159-API.md); whatever is assumed
lives here so that it can be corrected in one place. Client and sandbox both speak through it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields, is_dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Generic, TypeVar

import msgspec

T = TypeVar("T")
# The agency's times always carry an offset; one without is not a time we could place.
Time = Annotated[datetime, msgspec.Meta(tz=True)]

# -- transport ---------------------------------------------------------------------------------
HEADER_CLIENT_ID = "X-Auth-Id"
HEADER_API_KEY = "X-Auth-Key"
PATH_CLAIMS = "/claims"
PATH_CASES = "/cases"
PATH_DEBTORS = "/debtors"
PATH_PAYMENTS = "/payments"


def path_case(case_id: int) -> str:
    return f"{PATH_CASES}/{case_id}"


def path_withdrawal(case_id: int) -> str:
    return f"{PATH_CASES}/{case_id}/withdrawal"


def path_debtor(debtor_id: int) -> str:
    return f"{PATH_DEBTORS}/{debtor_id}"


DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 100

# -- envelope ----------------------------------------------------------------------------------
KEY_ERROR = "error"
KEY_MESSAGE = "message"
KEY_INFORMATION = "information"
KEY_DATASET = "dataset"
KEY_PAGE = "page"
KEY_PER_PAGE = "per_page"
KEY_TOTAL = "total"
KEY_CASE = "case"
KEY_CASES = "cases"
KEY_DEBTOR = "debtor"
KEY_PAYMENTS = "payments"
KEY_PAYMENT_ID = "payment_id"


class ErrorCode:
    AUTHENTICATION_FAILED = "AUTHENTICATION_FAILED"
    NOT_FOUND = "NOT_FOUND"
    INVALID_JSON = "INVALID_JSON"
    INVALID_PARAMETER = "INVALID_PARAMETER"
    CLAIM_ALREADY_EXISTS = "CLAIM_ALREADY_EXISTS"
    PAYMENT_ALREADY_EXISTS = "PAYMENT_ALREADY_EXISTS"
    CASE_CLOSED = "CASE_CLOSED"
    AMOUNT_EXCEEDS_OUTSTANDING = "AMOUNT_EXCEEDS_OUTSTANDING"
    WITHDRAWAL_NOT_POSSIBLE = "WITHDRAWAL_NOT_POSSIBLE"


class CaseStatus:
    RECEIVED = "received"
    IN_COLLECTION = "in_collection"
    INSTALMENT = "instalment"
    LEGAL = "legal"
    PAID = "paid"
    UNCOLLECTIBLE = "uncollectible"
    WITHDRAWN = "withdrawn"
    ALL = frozenset({RECEIVED, IN_COLLECTION, INSTALMENT, LEGAL, PAID, UNCOLLECTIBLE, WITHDRAWN})
    CLOSED = frozenset({PAID, UNCOLLECTIBLE, WITHDRAWN})


class FeeType:
    COLLECTION_FEE = "collection_fee"
    EXPENSES = "expenses"
    REMINDER_FEE = "reminder_fee"
    INTEREST = "interest"
    ALL = frozenset({COLLECTION_FEE, EXPENSES, REMINDER_FEE, INTEREST})


class PaymentSource:
    AGENCY = "agency"
    CREDITOR = "creditor"


# -- objects -----------------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True, slots=True)
class DebtorIn:
    salutation: str | None = None
    first_name: str | None = None  # first and last name may be left out when company is given
    last_name: str | None = None
    company: str | None = None
    street: str
    zip: str
    city: str
    country: str = "DE"
    birth_date: date | None = None
    email: str | None = None
    phone: str | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class Debtor(DebtorIn):
    debtor_id: int


@dataclass(frozen=True, kw_only=True, slots=True)
class ClaimIn:
    reference: str
    debtor: DebtorIn
    invoice_date: date
    due_date: date
    reminder_date: date | None = None
    default_date: date | None = None
    principal: Decimal
    reminder_fees: Decimal | None = None
    interest: Decimal | None = None
    subject: str = "Honorarforderung"


@dataclass(frozen=True, kw_only=True, slots=True)
class ClaimCreated:
    case_id: int
    debtor_id: int
    status: str
    already_existed: bool = False


@dataclass(frozen=True, kw_only=True, slots=True)
class Fee:
    type: str
    amount: Decimal
    date: date


@dataclass(frozen=True, kw_only=True, slots=True)
class Case:
    case_id: int
    reference: str
    debtor_id: int
    status: str
    principal: Decimal
    interest: Decimal = Decimal("0")  # left out by the agency when none is charged
    fees: tuple[Fee, ...]
    paid_to_agency: Decimal
    paid_to_creditor: Decimal
    outstanding: Decimal
    created_at: Time
    updated_at: Time
    closed_at: Time | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class PaymentIn:
    case_id: int
    amount: Decimal
    date: date
    reference: str


@dataclass(frozen=True, kw_only=True, slots=True)
class Payment:
    payment_id: int
    case_id: int
    amount: Decimal
    date: date
    source: str
    reference: str | None = None
    created_at: Time


@dataclass(frozen=True)
class Page(Generic[T]):
    items: tuple[T, ...]
    page: int
    per_page: int
    total: int

    @property
    def is_last(self) -> bool:
        return not self.items or self.page * self.per_page >= self.total


@dataclass(frozen=True, kw_only=True, slots=True)
class CasesPage:
    """The answer to GET /cases, decoded in one pass (see decode_page)."""

    error: bool
    cases: tuple[Case, ...]
    page: int
    per_page: int
    total: int


@dataclass(frozen=True, kw_only=True, slots=True)
class PaymentsPage:
    """The answer to GET /payments."""

    error: bool
    payments: tuple[Payment, ...]
    page: int
    per_page: int
    total: int


# -- JSON ----------------------------------------------------------------------------------------
CENT = Decimal("0.01")


def amount_text(value: Decimal) -> str:
    """Two decimals exactly; refuses to round money silently."""
    try:
        quantized = value.quantize(CENT)
    except InvalidOperation as exc:
        raise ValueError(f"not an amount: {value!r}") from exc
    if quantized != value:
        raise ValueError(f"amount with more than two decimals: {value}")
    return f"{quantized:f}"


def to_wire(obj: Any) -> Any:
    """Dataclasses to plain dicts; None fields are left out (the contract marks them optional)."""
    if isinstance(obj, str | int | Decimal):  # the leaves (RawJSON included), and most calls
        return obj
    if is_dataclass(obj) and not isinstance(obj, type):
        return {
            f.name: to_wire(getattr(obj, f.name)) for f in fields(obj) if getattr(obj, f.name) is not None
        }
    if isinstance(obj, list | tuple):
        return [to_wire(item) for item in obj]
    if isinstance(obj, dict):
        return {key: to_wire(value) for key, value in obj.items()}
    return obj


class RawJSON(str):
    """JSON text already encoded by to_json (e.g. the sandbox's stored case objects): sent verbatim."""


def _encode(value: Any) -> str:
    # Hand-written because json.JSONEncoder cannot emit a Decimal as a bare number without float.
    if isinstance(value, RawJSON):
        return value
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    if isinstance(value, Decimal):
        return amount_text(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        raise TypeError("floats never go on the wire; use Decimal")
    if isinstance(value, date):  # datetime included
        return json.dumps(value.isoformat())
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(str(k))}:{_encode(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(_encode(v) for v in value) + "]"
    if is_dataclass(value):
        return _encode(to_wire(value))
    raise TypeError(f"cannot encode {type(value).__name__}")


def to_json(obj: Any) -> bytes:
    return _encode(to_wire(obj)).encode("utf-8")


def from_json(data: bytes | str) -> Any:
    """Raises ValueError on malformed JSON; numbers with a fraction become Decimal."""
    return json.loads(data, parse_float=Decimal)


def parse_date(value: Any) -> date:
    return date.fromisoformat(str(value))


def _opt(value: Any, parse: Any) -> Any:
    return None if value is None else parse(value)


def parse_case(d: dict[str, Any]) -> Case:
    """A case object as from_json read it; raises ValueError when it is not a case."""
    return msgspec.convert(d, Case)


def parse_debtor(d: dict[str, Any]) -> Debtor:
    def text(key: str) -> str | None:
        return None if d.get(key) is None else str(d[key])

    return Debtor(
        debtor_id=int(d["debtor_id"]),
        salutation=text("salutation"),
        first_name=text("first_name"),
        last_name=text("last_name"),
        company=text("company"),
        street=str(d["street"]),
        zip=str(d["zip"]),
        city=str(d["city"]),
        country=str(d.get("country") or "DE"),
        birth_date=_opt(d.get("birth_date"), parse_date),
        email=text("email"),
        phone=text("phone"),
    )


def parse_payment(d: dict[str, Any]) -> Payment:
    """A payment object as from_json read it; raises ValueError when it is not a payment."""
    return msgspec.convert(d, Payment)


# A page of 100 cases is decoded straight from the bytes, about three times faster than
# from_json and parse_case; amounts become Decimal from the number's own digits, never float.
_PAGE_DECODERS: dict[str, msgspec.json.Decoder[Any]] = {
    KEY_CASES: msgspec.json.Decoder(CasesPage),
    KEY_PAYMENTS: msgspec.json.Decoder(PaymentsPage),
}


def decode_page(key: str, data: bytes) -> Page[Any]:
    """A listing's answer (key: KEY_CASES or KEY_PAYMENTS); ValueError if it is not a success page."""
    answer = _PAGE_DECODERS[key].decode(data)
    if answer.error:
        raise ValueError("an error envelope, not a page")
    return Page(getattr(answer, key), answer.page, answer.per_page, answer.total)
