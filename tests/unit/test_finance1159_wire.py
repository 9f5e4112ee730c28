"""The wire format: exact amounts both ways, the contract's field names, strict parsing."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from core.finance1159 import wire
from core.finance1159.wire import ClaimIn, DebtorIn, PaymentIn

CASE = (
    b'{"case_id": 17, "reference": "R-1", "debtor_id": 9, "status": "in_collection", "principal": 120.00,'
    b' "interest": 0, "fees": [{"type": "collection_fee", "amount": 46.35, "date": "2026-11-02"}],'
    b' "paid_to_agency": 0.10, "paid_to_creditor": 0.20, "outstanding": 166.05,'
    b' "created_at": "2026-11-01T10:00:00+01:00", "updated_at": "2026-11-02T10:00:00Z", "closed_at": null}'
)


def test_amounts_are_written_as_numbers_with_exactly_two_decimals() -> None:
    text = wire.to_json({"a": Decimal("5"), "b": Decimal("0.1"), "c": Decimal("1234.56")}).decode()
    assert text == '{"a":5.00,"b":0.10,"c":1234.56}'


def test_decimal_survives_the_round_trip_exactly() -> None:
    parsed = wire.from_json(wire.to_json({"x": Decimal("0.10"), "y": Decimal("0.20")}))
    assert parsed["x"] + parsed["y"] == Decimal("0.30")
    assert isinstance(parsed["x"], Decimal)


def test_money_is_never_rounded_or_sent_as_float() -> None:
    with pytest.raises(ValueError):
        wire.to_json({"amount": Decimal("1.005")})
    with pytest.raises(TypeError):
        wire.to_json({"amount": 0.1})


def test_a_claim_goes_out_with_the_contract_field_names_and_no_empty_optionals() -> None:
    debtor = DebtorIn(first_name="Max", last_name="Muster", street="Weg 1", zip="50667", city="Köln")
    claim = ClaimIn(
        reference="R-1",
        debtor=debtor,
        invoice_date=date(2026, 9, 1),
        due_date=date(2026, 9, 15),
        principal=Decimal("120"),
    )
    body = json.loads(wire.to_json(claim))
    assert body == {
        "reference": "R-1",
        "debtor": {
            "first_name": "Max",
            "last_name": "Muster",
            "street": "Weg 1",
            "zip": "50667",
            "city": "Köln",
            "country": "DE",
        },
        "invoice_date": "2026-09-01",
        "due_date": "2026-09-15",
        "principal": 120.0,
        "subject": "Honorarforderung",
    }
    payment = PaymentIn(case_id=3, amount=Decimal("50"), date=date(2026, 11, 1), reference="Z-1")
    assert wire.to_json(payment) == b'{"case_id":3,"amount":50.00,"date":"2026-11-01","reference":"Z-1"}'


def test_a_case_is_parsed_with_decimals_and_aware_times() -> None:
    case = wire.parse_case(wire.from_json(CASE))
    assert case.paid_to_agency + case.paid_to_creditor == Decimal("0.30")
    assert case.fees[0].amount == Decimal("46.35")
    assert case.updated_at.utcoffset() is not None and case.closed_at is None


def test_a_time_without_offset_is_refused() -> None:
    case = wire.from_json(CASE)
    with pytest.raises(ValueError):
        wire.parse_case({**case, "updated_at": "2026-11-02T10:00:00"})


def _page(cases: list[dict[str, object]], error: bool = False) -> bytes:
    body = {"error": error, "cases": cases, "page": 1, "per_page": 100, "total": len(cases)}
    return wire.to_json(body)


def test_a_page_is_decoded_straight_from_bytes_exactly_as_parse_case_reads_one_case() -> None:
    one = wire.from_json(CASE)
    page = wire.decode_page(wire.KEY_CASES, _page([one, {**one, "case_id": 2}]))
    assert page.items[0] == wire.parse_case(one)
    assert [c.case_id for c in page.items] == [one["case_id"], 2]
    assert (page.page, page.per_page, page.total) == (1, 100, 2)
    assert type(page.items[0].outstanding) is Decimal  # never a float on the way


def test_amounts_keep_their_digits_and_text_amounts_are_read_too() -> None:
    one = {**wire.from_json(CASE), "outstanding": "12.10"}
    raw = _page([one]).replace(b'"outstanding":"12.10"', b'"outstanding":0.1000000000000000055511')
    case = wire.decode_page(wire.KEY_CASES, raw).items[0]
    assert case.outstanding == Decimal("0.1000000000000000055511")
    assert wire.parse_case(one).outstanding == Decimal("12.10")


def test_a_case_without_interest_has_none() -> None:
    one = wire.from_json(CASE)
    one.pop("interest", None)
    assert wire.parse_case(one).interest == 0


@pytest.mark.parametrize(
    "change",
    [
        {"outstanding": True},
        {"case_id": "sieben"},
        {"fees": [{"type": "interest", "amount": Decimal("1.50")}]},
        {"created_at": "2026-11-02T10:00:00"},
        {"status": None},
    ],
)
def test_a_page_with_a_malformed_case_is_refused_as_a_whole(change: dict[str, object]) -> None:
    one = wire.from_json(CASE)
    with pytest.raises(ValueError):
        wire.decode_page(wire.KEY_CASES, _page([one, {**one, **change}]))


def test_an_error_envelope_is_not_a_page() -> None:
    with pytest.raises(ValueError):
        wire.decode_page(wire.KEY_CASES, _page([], error=True))
    with pytest.raises(ValueError):
        wire.decode_page(wire.KEY_PAYMENTS, b'{"error": false}')


def test_the_last_page_is_recognised() -> None:
    assert wire.Page((1, 2), 2, 2, 4).is_last
    assert not wire.Page((1, 2), 1, 2, 4).is_last
    assert wire.Page((), 5, 2, 4).is_last
