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


# --- the office's settings: T / R for negatif, truncation, predicate labels (core.achievement.Formula) -------

formulas = st.builds(ach.Formula, st.sampled_from(list(ach.NEGATIVE_FORMULAS)),
                     st.sampled_from(list(ach.PREDICATE_LABEL_SETS)), st.sampled_from(list(ach.ROUNDINGS)))
positive_values = st.decimals(min_value=D("0.01"), max_value=D("1000000"), places=2, allow_nan=False,
                              allow_infinity=False)
T_OVER_R = ach.Formula(negative="t_over_r")
TRUNCATE = ach.Formula(rounding="truncate")


def test_the_default_formula_is_domain_md():
    assert ach.Formula.of(None, None, None) == ach.DEFAULT == ach.Formula("2t_minus_r", "tinggi", "half_up")


def test_the_published_lkjip_example_truncated_and_rounded():
    # DOMAIN.md: some published tables truncate, 91,76 / 77 → 119,16; rounded it is 119,17
    assert ach.achievement("77", "91.76", formula=TRUNCATE).percent == D("119.16")
    assert ach.achievement("77", "91.76").percent == D("119.17")
    # T / R for negatif: target 8, realisation 9 → 88,88… %: 88,89 rounded, 88,88 truncated
    assert ach.achievement("8", "9", "negatif", formula=T_OVER_R).percent == D("88.89")
    assert ach.achievement("8", "9", "negatif", formula=ach.Formula("t_over_r", "tinggi", "truncate")
                           ).percent == D("88.88")
    assert ach.achievement("8", "9", "negatif").percent == D("87.50")  # (2T − R) / T, the default


@given(targets, positive_values)
def test_t_over_r_is_target_over_realisation(t, r):
    a = ach.achievement(t, r, "negatif", formula=T_OVER_R)
    assert a.percent == (t / r * 100).quantize(D("0.01"), rounding="ROUND_HALF_UP")


@given(targets, positive_values, positive_values)
def test_t_over_r_falls_as_realisation_grows_and_is_never_negative(t, r1, r2):
    lo, hi = sorted((r1, r2))
    a_lo = ach.achievement(t, lo, "negatif", formula=T_OVER_R).percent
    a_hi = ach.achievement(t, hi, "negatif", formula=T_OVER_R).percent
    assert a_lo >= a_hi >= 0


@given(targets, positive_values)
def test_both_negatif_formulas_agree_on_whether_the_target_is_met(t, r):
    """R at or below T is at least 100 % either way; above T under 100 % either way (so the kendala rule holds)."""
    minus = ach.achievement(t, r, "negatif").percent
    over = ach.achievement(t, r, "negatif", formula=T_OVER_R).percent
    assert (minus >= 100) == (r <= t) or minus == D("100.00")
    assert (over >= 100) == (r <= t) or over == D("100.00")


@given(targets)
def test_t_over_r_at_zero_realisation_is_na_with_its_reason(t):
    a = ach.achievement(t, "0", "negatif", formula=T_OVER_R)
    assert not a.ok and a.reason == ach.ZERO_VALUE


@given(values, targets, st.sampled_from(["positif", "negatif"]), st.sampled_from(list(ach.NEGATIVE_FORMULAS)))
def test_truncation_is_at_most_one_cent_below_rounding_and_never_above(r, t, polarity, negative):
    rounded = ach.achievement(t, r, polarity, formula=ach.Formula(negative, "tinggi", "half_up"))
    cut = ach.achievement(t, r, polarity, formula=ach.Formula(negative, "tinggi", "truncate"))
    assert rounded.ok == cut.ok
    if rounded.ok:
        assert rounded.percent - D("0.01") <= cut.percent <= rounded.percent
        assert cut.percent == cut.percent.quantize(D("0.01"))


@given(targets, values, formulas)
def test_positif_ignores_the_negatif_formula(t, r, f):
    a = ach.achievement(t, r, formula=f)
    b = ach.achievement(t, r, formula=ach.Formula("2t_minus_r", f.labels, f.rounding))
    assert a == b


@given(percents)
def test_predicate_labels_are_words_for_the_same_bands(p):
    tinggi = ach.predicate(p)
    baik = ach.predicate(p, ach.Formula(labels="baik"))
    assert ach.PREDICATE_ORDER.index(tinggi) == ach.PREDICATE_LABEL_SETS["baik"].index(baik)
    assert ach.PREDICATE_COLOURS[tinggi] == ach.PREDICATE_COLOURS[baik]


def test_predicate_labels_baik_at_the_band_edges():
    f = ach.Formula(labels="baik")
    assert [ach.predicate(p, f) for p in ("91", "90.99", "76", "75.99", "66", "65.99", "51", "50.99")] == [
        "Sangat Baik", "Baik", "Baik", "Cukup", "Cukup", "Kurang", "Kurang", "Sangat Kurang"]


@given(st.lists(st.one_of(st.none(), values), min_size=4, max_size=4), st.lists(st.one_of(st.none(), values),
       min_size=4, max_size=4), st.integers(1, 4), st.sampled_from(["sum", "last", "avg"]),
       st.sampled_from(["positif", "negatif"]), formulas)
def test_year_to_date_is_the_formula_of_the_combined_figures(qt, qv, q, rule, polarity, f):
    got = ach.ytd_achievement(qt, qv, q, rule, polarity, f)
    if qv[q - 1] is None:
        assert got.reason == ach.NO_VALUE
    else:
        assert got == ach.achievement(ach.combine(qt[:q], rule), ach.combine(qv[:q], rule), polarity, formula=f)


def test_an_unknown_setting_is_refused():
    import pytest

    with pytest.raises(ValueError):
        ach.Formula(negative="r_over_t")
