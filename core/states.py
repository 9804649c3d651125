"""Every state a record of the SOP can be in, with its one Indonesian label.

The values are what the database stores (plain strings); the enums are `StrEnum`s, so a stored value
compares equal to its member and pages never spell a state themselves.
"""

from __future__ import annotations

from enum import StrEnum


class SubmissionState(StrEnum):
    """A unit's data for one round (step 3 and its review at step 4)."""

    BELUM_MULAI = "belum_mulai"
    DRAF = "draf"
    DIAJUKAN = "diajukan"
    DIKEMBALIKAN = "dikembalikan"
    DITERIMA = "diterima"

    @property
    def label(self) -> str:
        return SUBMISSION_LABELS[self]


SUBMISSION_LABELS: dict[str, str] = {
    SubmissionState.BELUM_MULAI: "Belum mulai",
    SubmissionState.DRAF: "Draf",
    SubmissionState.DIAJUKAN: "Diajukan",
    SubmissionState.DIKEMBALIKAN: "Dikembalikan",
    SubmissionState.DITERIMA: "Diterima",
}
# A unit that should report but has no submission in the round (it was left out of the distribution).
NOT_DISTRIBUTED = "tidak_ada"
NOT_DISTRIBUTED_LABEL = "Belum didistribusikan"

# The unit may still change its data; anything else is with the reviewer or accepted.
EDITABLE = (SubmissionState.BELUM_MULAI, SubmissionState.DRAF, SubmissionState.DIKEMBALIKAN)
# Not yet handed in: what makes a unit late or incomplete.
OUTSTANDING = EDITABLE


def submission_label(state: str | None) -> str:
    """The label of a stored submission state ('tidak_ada' for a unit left out), the value itself if unknown."""
    if state == NOT_DISTRIBUTED:
        return NOT_DISTRIBUTED_LABEL
    return SUBMISSION_LABELS.get(state or "", state or "")


class RoundState(StrEnum):
    """A collection round: running through the SOP, or documented (step 9) and read-only."""

    BERJALAN = "berjalan"
    SELESAI = "selesai"

    @property
    def label(self) -> str:
        return ROUND_LABELS[self]


ROUND_LABELS: dict[str, str] = {RoundState.BERJALAN: "Berjalan", RoundState.SELESAI: "Selesai"}


class ReportKind(StrEnum):
    """A version of the quarterly report: the draft (step 5), a corrected version (step 7), the final (step 9)."""

    DRAF = "draf"
    KOREKSI = "koreksi"
    FINAL = "final"

    @property
    def label(self) -> str:
        return REPORT_KIND_LABELS[self]


REPORT_KIND_LABELS: dict[str, str] = {ReportKind.DRAF: "Draf", ReportKind.KOREKSI: "Hasil koreksi",
                                      ReportKind.FINAL: "Final"}


def report_kind_label(kind: str | None) -> str:
    return REPORT_KIND_LABELS.get(kind or "", kind or "")
