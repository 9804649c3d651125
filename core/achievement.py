"""Achievement (capaian) formulas, year-to-date combination, predicates and budget absorption.

Pure functions over Decimal; a missing or zero target gives "n/a" with its reason, never an error.
Formulas follow ../shared/DOMAIN.md (PermenPAN-RB guidance; predicate bands of Permendagri 86/2017).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Optional, Union

HUNDRED = Decimal(100)
CENT = Decimal("0.01")
Number = Union[Decimal, int, str, None]

# Reasons shown instead of a percentage (DOMAIN.md: "the reason is shown").
NO_TARGET = "target kosong"
ZERO_TARGET = "target nol"
NO_VALUE = "belum diisi"
ZERO_VALUE = "realisasi nol"  # T / R of a lower-is-better indicator has no value at R = 0

PREDICATES: tuple[tuple[Decimal, str, str], ...] = (
    (Decimal(91), "Sangat Tinggi", "#1a7f37"),
    (Decimal(76), "Tinggi", "#4caf50"),
    (Decimal(66), "Sedang", "#f2c94c"),
    (Decimal(51), "Rendah", "#f2994a"),
    (Decimal("-Infinity"), "Sangat Rendah", "#d93025"),
)
PREDICATE_ORDER = tuple(p[1] for p in PREDICATES)

# The office's choice of words for the same five bands (the bounds above never change).
PREDICATE_LABEL_SETS: dict[str, tuple[str, ...]] = {
    "tinggi": PREDICATE_ORDER,
    "baik": ("Sangat Baik", "Baik", "Cukup", "Kurang", "Sangat Kurang"),
}
PREDICATE_COLOURS = {label: PREDICATES[i][2] for labels in PREDICATE_LABEL_SETS.values()
                     for i, label in enumerate(labels)}

# Settings of an office (columns of org_units; NULL is the first, the default) and their Indonesian labels.
NEGATIVE_FORMULAS = {"2t_minus_r": "(2T − R) / T × 100 (bawaan)", "t_over_r": "T / R × 100"}
PREDICATE_LABELS = {"tinggi": "Sangat Tinggi / Tinggi / Sedang / Rendah / Sangat Rendah (bawaan)",
                    "baik": "Sangat Baik / Baik / Cukup / Kurang / Sangat Kurang"}
ROUNDINGS = {"half_up": "Dibulatkan 2 desimal, setengah ke atas (bawaan)",
             "truncate": "Dipotong 2 desimal, tanpa pembulatan"}


@dataclass(frozen=True)
class Formula:
    """How an office computes and names capaian: the lower-is-better formula, the predicate labels and the
    rounding to 2 decimals. The defaults are DOMAIN.md's; every field is one of the keys above."""

    negative: str = "2t_minus_r"
    labels: str = "tinggi"
    rounding: str = "half_up"

    def __post_init__(self) -> None:
        for value, allowed in ((self.negative, NEGATIVE_FORMULAS), (self.labels, PREDICATE_LABEL_SETS),
                               (self.rounding, ROUNDINGS)):
            if value not in allowed:
                raise ValueError(f"pengaturan capaian tidak dikenal: {value}")

    @classmethod
    def of(cls, negative: Optional[str] = None, labels: Optional[str] = None,
           rounding: Optional[str] = None) -> Formula:
        """From the office's columns, where NULL (None) means the default."""
        return cls(negative or cls.negative, labels or cls.labels, rounding or cls.rounding)

    @property
    def predicate_order(self) -> tuple[str, ...]:
        """The five predicate labels, best first."""
        return PREDICATE_LABEL_SETS[self.labels]

    def q(self, value: Decimal) -> Decimal:
        """A percentage to 2 decimals, rounded half-up or truncated."""
        return value.quantize(CENT, rounding=ROUND_DOWN if self.rounding == "truncate" else ROUND_HALF_UP)


DEFAULT = Formula()


@dataclass(frozen=True)
class Achievement:
    """A percentage, or None with the reason why it cannot be computed."""

    percent: Optional[Decimal]
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.percent is not None


def to_decimal(value: Number) -> Optional[Decimal]:
    if type(value) is Decimal:  # the common case (values from the database): no conversion, no comparisons
        return value if value.is_finite() else None
    if value is None or value == "":
        return None
    try:
        d = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return d if d.is_finite() else None


def _q(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def achievement(
    target: Number, realization: Number, polarity: str = "positif", target_upper: Number = None,
    formula: Formula = DEFAULT,
) -> Achievement:
    """capaian % of realisation R against target T, to 2 decimals by the office's `formula`.

    positif: R / T × 100. negatif: (2T − R) / T × 100, floored at 0; or, when the office chose it,
    T / R × 100 (no value at R = 0: "realisasi nol").
    A range target [T, upper]: R inside the range is 100 %; outside, the nearer bound is the target.
    This is the one place capaian is computed: every table, file and chart takes it from here.
    """
    t = to_decimal(target)
    r = to_decimal(realization)
    upper = to_decimal(target_upper)
    if t is None:
        return Achievement(None, NO_TARGET)
    if r is None:
        return Achievement(None, NO_VALUE)
    if upper is not None and upper > t:
        if t <= r <= upper:
            return Achievement(Decimal("100.00"))
        t = upper if r > upper else t
    if t == 0:
        return Achievement(None, ZERO_TARGET)
    if polarity == "negatif":
        if formula.negative == "t_over_r":
            if r == 0:
                return Achievement(None, ZERO_VALUE)
            return Achievement(formula.q(max(t / r * HUNDRED, Decimal(0))))
        pct = (2 * t - r) / t * HUNDRED
        return Achievement(formula.q(max(pct, Decimal(0))))
    return Achievement(formula.q(r / t * HUNDRED))


def below_target(target: Number, realization: Number, polarity: str = "positif",
                 target_upper: Number = None, formula: Formula = DEFAULT) -> bool:
    """True when the realisation lags the target (capaian under 100 %). Unknown is not below."""
    a = achievement(target, realization, polarity, target_upper, formula)
    return a.percent is not None and a.percent < HUNDRED


def combine(values: Sequence[Number], rule: str) -> Optional[Decimal]:
    """Combine quarterly values to year-to-date by the indicator's rule: sum, last or avg.

    Missing quarters are skipped; with no value at all the result is None.
    """
    present = [d for d in (to_decimal(v) for v in values) if d is not None]
    if not present:
        return None
    if rule == "sum":
        return sum(present, Decimal(0))
    if rule == "last":
        return present[-1]
    if rule == "avg":
        return sum(present, Decimal(0)) / len(present)
    raise ValueError(f"aturan penggabungan tidak dikenal: {rule}")


def ytd_achievement(
    quarter_targets: Sequence[Number], quarter_values: Sequence[Number], quarter: int,
    rule: str, polarity: str = "positif", formula: Formula = DEFAULT,
) -> Achievement:
    """Year-to-date capaian through `quarter` (1–4): both sides combined by the rule, then the formula.

    The quarter itself must have a value; otherwise the year-to-date figure is "belum diisi".
    """
    if to_decimal(quarter_values[quarter - 1] if len(quarter_values) >= quarter else None) is None:
        return Achievement(None, NO_VALUE)
    t = combine(list(quarter_targets[:quarter]), rule)
    r = combine(list(quarter_values[:quarter]), rule)
    return achievement(t, r, polarity, formula=formula)


def predicate(percent: Number, formula: Formula = DEFAULT) -> Optional[str]:
    """Permendagri 86/2017 band of a capaian %, half-open for decimals, in the office's words; None for n/a."""
    p = to_decimal(percent)
    if p is None:
        return None
    labels = formula.predicate_order
    for i, (bound, _label, _colour) in enumerate(PREDICATES):
        if p >= bound:
            return labels[i]
    return labels[-1]  # pragma: no cover - -Infinity catches everything


def absorption(spent: Number, pagu: Number) -> Optional[Decimal]:
    """Serapan anggaran %: realised spending / pagu × 100; None when pagu is zero or missing."""
    s = to_decimal(spent)
    p = to_decimal(pagu)
    if s is None or p is None or p == 0:
        return None
    return _q(s / p * HUNDRED)


def projection(quarter_values: Sequence[Number], quarter: int, rule: str) -> Optional[Decimal]:
    """A naive year-end projection from the quarters so far: the run rate for sums, the latest value
    for states, the mean for averages."""
    present = [to_decimal(v) for v in quarter_values[:quarter]]
    known = [v for v in present if v is not None]
    if not known:
        return None
    if rule == "sum":
        return sum(known, Decimal(0)) / len(known) * 4
    if rule == "last":
        if len(known) >= 2:
            step = (known[-1] - known[0]) / (len(known) - 1)
            return known[-1] + step * (4 - quarter)
        return known[-1]
    return sum(known, Decimal(0)) / len(known)
