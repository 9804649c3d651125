"""Properties of the achievement formulas (DOMAIN.md): polarity, monotonicity, n/a targets, predicate bands."""

from decimal import Decimal as D

from hypothesis import assume, given
from hypothesis import strategies as st

from core import achievement as ach

values = st.decimals(min_value=D("0"), max_value=D("1000000"), places=2, allow_nan=False, allow_infinity=False)
targets = st.decimals(min_value=D("0.01"), max_value=D("1000000"), places=2, allow_nan=False, allow_infinity=False)
percents = st.decimals(min_value=D("-50"), max_value=D("500"), places=4, allow_nan=False, allow_infinity=False)


@given(targets, values)
def test_negatif_is_floored_at_zero(t, r):
    a = ach.achievement(t, r, "negatif")
    assert a.ok and a.percent >= 0


@given(targets, values, values)
def test_positif_grows_with_realisation(t, r1, r2):
    lo, hi = sorted((r1, r2))
    assert ach.achievement(t, lo).percent <= ach.achievement(t, hi).percent


@given(targets, values, values)
def test_negatif_falls_as_realisation_grows(t, r1, r2):
    lo, hi = sorted((r1, r2))
    assert ach.achievement(t, lo, "negatif").percent >= ach.achievement(t, hi, "negatif").percent


@given(targets)
def test_meeting_the_target_exactly_is_100_either_way(t):
    assert ach.achievement(t, t).percent == D("100.00")
    assert ach.achievement(t, t, "negatif").percent == D("100.00")


@given(values, st.sampled_from(["positif", "negatif"]))
def test_zero_or_missing_target_is_na_with_reason(r, polarity):
    zero = ach.achievement(0, r, polarity)
    missing = ach.achievement(None, r, polarity)
    assert not zero.ok and zero.reason == ach.ZERO_TARGET
    assert not missing.ok and missing.reason == ach.NO_TARGET
    assert ach.predicate(zero.percent) is None


@given(targets, st.sampled_from(["positif", "negatif"]))
def test_missing_realisation_is_na_not_zero(t, polarity):
    a = ach.achievement(t, None, polarity)
    assert not a.ok and a.reason == ach.NO_VALUE


@given(percents)
def test_predicate_bands_are_half_open(p):
    label = ach.predicate(p)
    if p >= 91:
        assert label == "Sangat Tinggi"
    elif p >= 76:
        assert label == "Tinggi"
    elif p >= 66:
        assert label == "Sedang"
    elif p >= 51:
        assert label == "Rendah"
    else:
        assert label == "Sangat Rendah"


def test_predicate_band_edges():
    assert ach.predicate(D("91")) == "Sangat Tinggi" and ach.predicate(D("90.99")) == "Tinggi"
    assert ach.predicate(D("76")) == "Tinggi" and ach.predicate(D("75.999")) == "Sedang"
    assert ach.predicate(D("66")) == "Sedang" and ach.predicate(D("65.99")) == "Rendah"
    assert ach.predicate(D("51")) == "Rendah" and ach.predicate(D("50.99")) == "Sangat Rendah"


@given(percents, percents)
def test_predicate_is_monotonic(p1, p2):
    lo, hi = sorted((p1, p2))
    order = list(ach.PREDICATE_ORDER)
    assert order.index(ach.predicate(lo)) >= order.index(ach.predicate(hi))


@given(st.lists(st.one_of(st.none(), values), min_size=1, max_size=4))
def test_combine_rules(vals):
    present = [v for v in vals if v is not None]
    assume(present)
    assert ach.combine(vals, "sum") == sum(present)
    assert ach.combine(vals, "last") == present[-1]
    assert min(present) <= ach.combine(vals, "avg") <= max(present)


def test_domain_examples():
    assert ach.achievement(7, D("6.5"), "negatif").percent == D("107.14")
    assert ach.achievement(8, 9, "negatif").percent == D("87.50")
    assert ach.achievement(10, 12, "positif", target_upper=15).percent == D("100.00")
