"""Numbers as office staff type them: Indonesian and English grouping, refused garbage (hypothesis)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core import fmt
from core.errors import InvalidInput
from core.parsing import parse_number, parse_text

amounts = st.decimals(min_value=0, max_value=Decimal("999999999999"), places=2, allow_nan=False,
                      allow_infinity=False)


def english(d: Decimal) -> str:
    return f"{d:,.2f}"


@given(amounts)
def test_indonesian_formatted_numbers_parse_back(d):
    assert parse_number(fmt.number(d, 2, strip=False)) == d


@given(amounts)
def test_english_formatted_numbers_are_refused_with_the_indonesian_way_to_write_them(d):
    """An English browser's habit ("1,234.50") is never reinterpreted: the message shows "1.234,50"."""
    text = english(d)
    with pytest.raises(InvalidInput) as err:
        parse_number(text, label="IK-04")
    assert f"Tulis {fmt.number(d, 2, strip=False)} bila" in err.value.message
    assert f"'{text}'" in err.value.message


@given(st.decimals(min_value=Decimal("-99999999999"), max_value=Decimal("99999999999"), places=4, allow_nan=False,
                   allow_infinity=False), st.integers(min_value=0, max_value=4), st.booleans())
def test_every_decimal_written_the_indonesian_way_reads_back_to_itself(d, decimals, grouped):
    d = d.quantize(Decimal(1).scaleb(-decimals)) if decimals else d.quantize(Decimal(1))
    text = fmt.number(d, decimals, strip=False)
    if not grouped:
        text = text.replace(".", "")
    assert parse_number(text, allow_negative=True) == d


@given(st.text(alphabet="0123456789.,-+ %Rpe", max_size=14))
def test_any_typed_string_is_a_number_or_the_apps_own_refusal(text):
    try:
        out = parse_number(text, allow_negative=True)
    except InvalidInput as err:
        assert f"'{text}'" in err.message or "terlalu besar" in err.message
    else:
        assert out is None or isinstance(out, Decimal)


@given(st.integers(min_value=0, max_value=10**15))
def test_integers_and_their_indonesian_grouping(n):
    assert parse_number(n) == Decimal(n)
    assert parse_number(str(n)) == Decimal(n)
    assert parse_number(fmt.number(n, 0)) == Decimal(n)


@given(st.floats(min_value=0, max_value=1e12, allow_nan=False, allow_infinity=False))
def test_floats_from_the_grid_keep_their_shown_value(x):
    from core.parsing import _excel_precision

    assert parse_number(x) == _excel_precision(Decimal(repr(x))).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


@given(st.decimals(min_value=Decimal("-1e9"), max_value=Decimal("-0.0001"), places=4))
def test_negative_values_are_refused_unless_allowed(d):
    with pytest.raises(InvalidInput, match="tidak boleh negatif"):
        parse_number(d, label="IK-03")
    assert parse_number(d, allow_negative=True) == d


@given(st.text(alphabet=st.characters(categories=["Lu", "Ll"]), min_size=1, max_size=12))
def test_words_are_refused_with_a_hint(word):
    with pytest.raises(InvalidInput, match="Tulis angka cara Indonesia"):
        parse_number(word, label="IK-04 Jumlah peserta")


@pytest.mark.parametrize("raw, expected", [
    ("1.234,5", Decimal("1234.5")), ("12,5", Decimal("12.5")), ("73,5", Decimal("73.5")),
    ("1.250", Decimal("1250")), ("1.234", Decimal("1234")), ("125.000.000", Decimal("125000000")),
    ("1.234.567", Decimal("1234567")), (" 7 ", Decimal("7")), ("1,234", Decimal("1.234")),
    ("Rp 1.250.000", Decimal("1250000")), ("Rp1.250.000,50", Decimal("1250000.5")), ("Rp. 500", Decimal("500")),
    ("87,5 %", Decimal("87.5")), ("12,5%", Decimal("12.5")), ("1\u00a0250", Decimal("1250")),
    ("", None), ("  ", None), (None, None), (Decimal("4.00"), Decimal("4")), (4.05, Decimal("4.05")),
    ("0,0001", Decimal("0.0001")), ("12,50000", Decimal("12.5")),
])
def test_examples(raw, expected):
    assert parse_number(raw) == expected


@pytest.mark.parametrize("raw, write", [
    ("40.5", "40,5"), ("12.5", "12,5"), ("0.125", "0,125"), ("1,250.5", "1.250,5"), ("1,234,567", "1.234.567"),
    ("4.05", "4,05"), (".5", "0,5"), ("12.50", "12,50"),
])
def test_english_habits_are_refused_with_what_to_write(raw, write):
    with pytest.raises(InvalidInput) as err:
        parse_number(raw, label="IK-04 Jumlah peserta")
    assert err.value.message.startswith(f"IK-04 Jumlah peserta: '{raw}' tidak dibaca")
    assert f"Tulis {write} bila itu yang Anda maksud." in err.value.message


def test_more_than_four_decimals_is_refused_not_rounded_to_zero():
    with pytest.raises(InvalidInput, match="lebih dari 4 angka di belakang koma"):
        parse_number("0,0000001")


@pytest.mark.parametrize("raw", ["nan", "NaN", "inf", "-inf", "Infinity", float("nan"), float("inf"), "1e5",
                                 "1,2,3", "1.23.4", "12,,5", "--1", "1.234,5.6", True, "1 2 3 abc", "1.25.0",
                                 "1.000.0", "0.500.000", "1,5,", ",5", "Rp", "%", "1.2345"])
def test_garbage_is_refused(raw):
    with pytest.raises(InvalidInput):
        parse_number(raw, allow_negative=True)


def test_too_large_for_the_database_is_refused():
    with pytest.raises(InvalidInput, match="terlalu besar"):
        parse_number("1" * 17)


def test_message_names_the_field():
    with pytest.raises(InvalidInput, match="^IK-04 Jumlah peserta: 'banyak'"):
        parse_number("banyak", label="IK-04 Jumlah peserta")


def test_text_cells():
    assert parse_text(None) == "" and parse_text(float("nan")) == "" and parse_text("  ada  ") == "ada"


def test_a_number_with_decimals_keeps_at_most_15_digits_and_whole_numbers_16():
    assert parse_number("12.345.678.901,2345") == Decimal("12345678901.2345")
    assert parse_number("9.007.199.254.740.993") == Decimal("9007199254740993")
    with pytest.raises(InvalidInput, match="paling banyak 15 angka"):
        parse_number("123.456.789.012,3456")
