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
def test_english_formatted_numbers_with_both_marks_parse_back(d):
    text = english(d)
    if "," in text:  # "1,234.50": both marks, the last is the decimal mark
        assert parse_number(text) == d


@given(st.integers(min_value=0, max_value=10**15))
def test_integers_and_their_indonesian_grouping(n):
    assert parse_number(n) == Decimal(n)
    assert parse_number(str(n)) == Decimal(n)
    assert parse_number(fmt.number(n, 0)) == Decimal(n)


@given(st.floats(min_value=0, max_value=1e12, allow_nan=False, allow_infinity=False))
def test_floats_from_the_grid_keep_their_shown_value(x):
    assert parse_number(x) == Decimal(repr(x)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


@given(st.decimals(min_value=Decimal("-1e9"), max_value=Decimal("-0.0001"), places=4))
def test_negative_values_are_refused_unless_allowed(d):
    with pytest.raises(InvalidInput, match="tidak boleh negatif"):
        parse_number(d, label="IK-03")
    assert parse_number(d, allow_negative=True) == d


@given(st.text(alphabet=st.characters(categories=["Lu", "Ll"]), min_size=1, max_size=12))
def test_words_are_refused_with_a_hint(word):
    with pytest.raises(InvalidInput, match="Tulis angka seperti 1.234,5"):
        parse_number(word, label="IK-04 Jumlah peserta")


@pytest.mark.parametrize("raw, expected", [
    ("1.234,5", Decimal("1234.5")), ("1,234.5", Decimal("1234.5")), ("12,5", Decimal("12.5")),
    ("12.5", Decimal("12.5")), ("1.234", Decimal("1234")), ("0.125", Decimal("0.125")),
    ("1.234.567", Decimal("1234567")), ("1,234,567", Decimal("1234567")), (" 7 ", Decimal("7")),
    ("Rp 1.250.000", Decimal("1250000")), ("87,5 %", Decimal("87.5")), ("", None), (None, None),
    (Decimal("4.00"), Decimal("4")),
])
def test_examples(raw, expected):
    assert parse_number(raw) == expected


@pytest.mark.parametrize("raw", ["nan", "NaN", "inf", "-inf", "Infinity", float("nan"), float("inf"), "1e5",
                                 "1,2,3", "1.23.4", "12,,5", "--1", "1.234,5.6", True, "1 2 3 abc"])
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
