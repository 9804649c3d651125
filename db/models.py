"""The one SQLAlchemy model of Kinerja: organisation, planning documents, rounds and their records."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Optional

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

class _SqliteNumeric(Numeric):
    """NUMERIC in SQLite's DDL, values passed to the driver as they come (ExactDecimal binds text)."""

    def bind_processor(self, dialect):
        return None

    def result_processor(self, dialect, coltype):
        return None


class ExactDecimal(TypeDecorator):
    """NUMERIC(precision, scale) that keeps every digit on every database.

    PostgreSQL stores NUMERIC exactly. SQLite has no decimal type, and SQLAlchemy handed it floats: a 16-digit
    value lost its last digit (9007199254740993 read back as …992). Here the value goes to SQLite as its
    decimal text; the column's NUMERIC affinity then keeps it as an exact INTEGER, as a REAL only when that is
    lossless (at most 15 significant digits, read back through repr), and as TEXT otherwise — so what is read
    back is always the Decimal written, existing databases need no change, and SQL comparisons stay numeric.
    SQL sums on SQLite still add as floats; the app does its arithmetic in Python with Decimal."""

    impl = Numeric
    cache_ok = True

    def __init__(self, precision: int, scale: int) -> None:
        super().__init__(precision, scale, asdecimal=True)
        self.precision, self.scale = precision, scale
        self._quantum = Decimal(1).scaleb(-scale)

    def load_dialect_impl(self, dialect):
        if dialect.name == "sqlite":
            return dialect.type_descriptor(_SqliteNumeric(self.precision, self.scale, asdecimal=True))
        return dialect.type_descriptor(Numeric(self.precision, self.scale, asdecimal=True))

    def _decimal(self, value: Any) -> Decimal:
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)

    def process_bind_param(self, value: Any, dialect) -> Any:
        if value is None or dialect.name != "sqlite":
            return value
        return format(self._decimal(value).quantize(self._quantum).normalize(), "f")

    def process_result_value(self, value: Any, dialect) -> Any:
        if value is None or dialect.name != "sqlite":
            return value
        return self._decimal(value).quantize(self._quantum)  # INTEGER, REAL or TEXT as SQLite kept it


# Indicator values: up to 16 digits before and 4 after the decimal point.
Value = ExactDecimal(20, 4)
# Rupiah: whole rupiah in practice, two decimals allowed for DPA lines that carry sen.
Money = ExactDecimal(18, 2)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


# --- organisation -----------------------------------------------------------------------


class OrgUnit(Base):
    """A node of the organisation tree: regency root, office (dinas), sekretariat, bidang, JFT group."""

    __tablename__ = "org_units"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    short_name: Mapped[str] = mapped_column(String(80), default="")
    kind: Mapped[str] = mapped_column(String(20))  # pemkab, dinas, sekretariat, subbagian, bidang, jft
    parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("org_units.id"))
    # The office (unit of kind "dinas") this unit belongs to; the office itself points to itself.
    office_id: Mapped[Optional[int]] = mapped_column(ForeignKey("org_units.id"), index=True)
    reports_data: Mapped[bool] = mapped_column(Boolean, default=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Office setting (on the unit of kind "dinas"): a unit's entry closes this many days after its deadline
    # in force (DHIS2's "expiry days"); NULL = never closed.
    entry_lock_days: Mapped[Optional[int]] = mapped_column(Integer)
    # Capaian settings of an office (kind "dinas"); NULL is the default (core.achievement.Formula).
    negative_formula: Mapped[Optional[str]] = mapped_column(String(20))  # 2t_minus_r | t_over_r
    predicate_labels: Mapped[Optional[str]] = mapped_column(String(20))  # tinggi | baik
    capaian_rounding: Mapped[Optional[str]] = mapped_column(String(20))  # half_up | truncate
    # Regency setting (on the unit of kind "pemkab"): who signs "Dievaluasi" on the Renja evaluation (E.81).
    evaluator_title: Mapped[Optional[str]] = mapped_column(String(200))
    evaluator_name: Mapped[Optional[str]] = mapped_column(String(200))
    evaluator_nip: Mapped[Optional[str]] = mapped_column(String(18))

    parent: Mapped[Optional[OrgUnit]] = relationship(
        remote_side="OrgUnit.id", foreign_keys=[parent_id], back_populates="children"
    )
    children: Mapped[list[OrgUnit]] = relationship(
        foreign_keys=[parent_id], back_populates="parent", order_by="OrgUnit.sort_order"
    )
    __table_args__ = (
        CheckConstraint(
            "kind in ('pemkab','dinas','sekretariat','subbagian','bidang','jft')", name="kind"
        ),
    )


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    nip: Mapped[Optional[str]] = mapped_column(String(18), unique=True)
    jabatan: Mapped[str] = mapped_column(String(200), default="")
    pangkat: Mapped[str] = mapped_column(String(120), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    # Mobile number normalised to 62… (for wa.me reminders); NULL when not given.
    phone: Mapped[Optional[str]] = mapped_column(String(20))
    role: Mapped[str] = mapped_column(String(20), index=True)
    unit_id: Mapped[Optional[int]] = mapped_column(ForeignKey("org_units.id"), index=True)
    password_hash: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    password_changed_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    # Raised by logout, password change, deactivation and "end all sessions": a session (and the cookie that
    # carries it) issued under an older generation is refused on its next request.
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    unit: Mapped[Optional[OrgUnit]] = relationship()


class LoginFailure(Base):
    """One failed password login: counted per account, per client address and per both (core.auth)."""

    __tablename__ = "login_failures"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(60), index=True)
    client: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    __table_args__ = (
        CheckConstraint(
            "role in ('kepala_dinas','sekretaris','kepala_bidang','jft','perencana',"
            "'penyusun','admin','pemantau')",
            name="role",
        ),
    )


# --- the SOP as data ----------------------------------------------------------------------


class SopStep(Base):
    """One step of the SOP 'Mekanisme Pengumpulan Data Kinerja', editable by an admin."""

    __tablename__ = "sop_steps"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(Integer, unique=True)
    # Stable key the workflow uses (disposisi, distribusi, isi_data, ...), never the number.
    code: Mapped[str] = mapped_column(String(30), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    short_name: Mapped[str] = mapped_column(String(60))
    executor_roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    inputs: Mapped[str] = mapped_column(Text, default="")
    standard_minutes: Mapped[int] = mapped_column(Integer)
    standard_label: Mapped[str] = mapped_column(String(40))
    output: Mapped[str] = mapped_column(String(200), default="")


# --- planning documents -------------------------------------------------------------------


class RenstraPeriod(Base):
    __tablename__ = "renstra_periods"
    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    start_year: Mapped[int] = mapped_column(Integer)
    end_year: Mapped[int] = mapped_column(Integer)
    sasaran: Mapped[list[Sasaran]] = relationship(
        back_populates="period", order_by="Sasaran.sort_order"
    )
    __table_args__ = (CheckConstraint("end_year >= start_year", name="years"),)


class Sasaran(Base):
    """A strategic objective (sasaran strategis) of a Renstra period."""

    __tablename__ = "sasaran"
    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("renstra_periods.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(400))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    period: Mapped[RenstraPeriod] = relationship(back_populates="sasaran")
    indicators: Mapped[list[Indicator]] = relationship(
        back_populates="sasaran", order_by="Indicator.sort_order"
    )
    __table_args__ = (UniqueConstraint("period_id", "code"),)


budget_line_indicators = Table(
    "budget_line_indicators",
    Base.metadata,
    Column("budget_line_id", ForeignKey("budget_lines.id", ondelete="CASCADE"), primary_key=True),
    Column("indicator_id", ForeignKey("indicators.id", ondelete="CASCADE"), primary_key=True),
)


class Indicator(Base):
    __tablename__ = "indicators"
    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    sasaran_id: Mapped[int] = mapped_column(ForeignKey("sasaran.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(400))
    satuan: Mapped[str] = mapped_column(String(40))
    polarity: Mapped[str] = mapped_column(String(10), default="positif")
    combine: Mapped[str] = mapped_column(String(10), default="sum")
    is_iku: Mapped[bool] = mapped_column(Boolean, default=False)
    owner_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    definition: Mapped[str] = mapped_column(Text, default="")
    data_source: Mapped[str] = mapped_column(String(300), default="")
    needs_evidence: Mapped[bool] = mapped_column(Boolean, default=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Target Renstra PD at the end of the period (column 5 K of the Renja evaluation, the LKjIP's end target).
    renstra_target: Mapped[Optional[Decimal]] = mapped_column(Value)
    # What the indicator measures on the Renja evaluation: 'program' (outcome) or 'kegiatan' (output) of the
    # DPA lines it is linked to; NULL = derived (lines of one kegiatan → kegiatan, of several → program).
    renja_level: Mapped[Optional[str]] = mapped_column(String(10))

    sasaran: Mapped[Sasaran] = relationship(back_populates="indicators")
    owner_unit: Mapped[OrgUnit] = relationship(foreign_keys=[owner_unit_id])
    targets: Mapped[list[Target]] = relationship(back_populates="indicator")
    __table_args__ = (
        UniqueConstraint("office_id", "code"),
        CheckConstraint("polarity in ('positif','negatif')", name="polarity"),
        CheckConstraint("combine in ('sum','last','avg')", name="combine"),
        CheckConstraint("renja_level is null or renja_level in ('program','kegiatan')", name="renja_level"),
    )


class Target(Base):
    """Annual target (Perjanjian Kinerja) and quarterly targets (Rencana Aksi) of one indicator-year."""

    __tablename__ = "targets"
    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    annual: Mapped[Optional[Decimal]] = mapped_column(Value)
    # Upper bound when the PK states a range target [annual, annual_upper].
    annual_upper: Mapped[Optional[Decimal]] = mapped_column(Value)
    q1: Mapped[Optional[Decimal]] = mapped_column(Value)
    q2: Mapped[Optional[Decimal]] = mapped_column(Value)
    q3: Mapped[Optional[Decimal]] = mapped_column(Value)
    q4: Mapped[Optional[Decimal]] = mapped_column(Value)
    source_pk: Mapped[str] = mapped_column(String(200), default="")
    source_ra: Mapped[str] = mapped_column(String(200), default="")
    mismatch_accepted: Mapped[bool] = mapped_column(Boolean, default=False)
    # Why the quarters (RA) may differ from the annual target (PK); required to save such a target.
    mismatch_reason: Mapped[Optional[str]] = mapped_column(String(500))
    version: Mapped[int] = mapped_column(Integer, default=1)
    indicator: Mapped[Indicator] = relationship(back_populates="targets")
    __table_args__ = (UniqueConstraint("indicator_id", "year"),)

    def quarter(self, q: int) -> Optional[Decimal]:
        return getattr(self, f"q{q}")


class BudgetLine(Base):
    """A line of the DPA/DPPA: program → kegiatan → sub kegiatan with its pagu."""

    __tablename__ = "budget_lines"
    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(60))
    program: Mapped[str] = mapped_column(String(300))
    kegiatan: Mapped[str] = mapped_column(String(300))
    sub_kegiatan: Mapped[str] = mapped_column(String(300))
    pagu: Mapped[Decimal] = mapped_column(Money)
    document: Mapped[str] = mapped_column(String(10), default="DPA")
    owner_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    owner_unit: Mapped[OrgUnit] = relationship(foreign_keys=[owner_unit_id])
    indicators: Mapped[list[Indicator]] = relationship(secondary=budget_line_indicators)
    pagu_history: Mapped[list[PaguHistory]] = relationship(
        back_populates="budget_line", order_by="PaguHistory.id"
    )
    __table_args__ = (
        UniqueConstraint("office_id", "year", "code"),
        CheckConstraint("pagu >= 0", name="pagu"),
        CheckConstraint("document in ('DPA','DPPA')", name="document"),
    )


class RenstraBudget(Base):
    """The Renstra's funding target (Rp) at the end of the period for a program, kegiatan or sub kegiatan,
    keyed by its code in the DPA nomenclature (column 5 Rp of the Renja evaluation)."""

    __tablename__ = "renstra_budgets"
    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("renstra_periods.id"), index=True)
    code: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(300), default="")
    end_pagu: Mapped[Optional[Decimal]] = mapped_column(Money)
    version: Mapped[int] = mapped_column(Integer, default=1)
    __table_args__ = (
        UniqueConstraint("period_id", "code"),
        CheckConstraint("end_pagu is null or end_pagu >= 0", name="end_pagu"),
    )


class PriorRealisation(Base):
    """A year's realisation from before the app (no rounds in the database for that year): the annual
    value of an indicator (K) or the year's spending of a program / kegiatan / sub kegiatan code (Rp).
    Feeds the Renstra realisation to last year (column 6 of the Renja evaluation) and the LKjIP's earlier years."""

    __tablename__ = "prior_realisations"
    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    indicator_id: Mapped[Optional[int]] = mapped_column(ForeignKey("indicators.id"), index=True)
    code: Mapped[Optional[str]] = mapped_column(String(60))
    value: Mapped[Optional[Decimal]] = mapped_column(Value)
    amount: Mapped[Optional[Decimal]] = mapped_column(Money)
    source: Mapped[str] = mapped_column(String(200), default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    __table_args__ = (
        UniqueConstraint("office_id", "year", "indicator_id"),
        UniqueConstraint("office_id", "year", "code"),
        CheckConstraint("(indicator_id is null) <> (code is null)", name="subject"),
        CheckConstraint("amount is null or amount >= 0", name="amount"),
    )


class PaguHistory(Base):
    """Earlier pagu of a budget line, kept when a DPPA revises it."""

    __tablename__ = "pagu_history"
    id: Mapped[int] = mapped_column(primary_key=True)
    budget_line_id: Mapped[int] = mapped_column(ForeignKey("budget_lines.id"), index=True)
    pagu: Mapped[Decimal] = mapped_column(Money)
    document: Mapped[str] = mapped_column(String(10))
    replaced_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    replaced_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    budget_line: Mapped[BudgetLine] = relationship(back_populates="pagu_history")


# --- the collection round -----------------------------------------------------------------


class CollectionRound(Base):
    """One quarter's collection of performance data for one office (SOP steps 1–9)."""

    __tablename__ = "collection_rounds"
    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    quarter: Mapped[int] = mapped_column(Integer)
    current_step: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(20), default="berjalan")
    instruction: Mapped[str] = mapped_column(Text, default="")
    deadline: Mapped[Optional[dt.date]] = mapped_column(Date)
    opened_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    opened_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    closed_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # The footer of the Renja evaluation (E.81), as the Staf Penyusun set it at step 5 (or a correction of
    # step 7 amended it); NULL = compiled from the units' faktor pendorong / kendala / tindak lanjut.
    faktor_pendorong: Mapped[Optional[str]] = mapped_column(Text)
    faktor_penghambat: Mapped[Optional[str]] = mapped_column(Text)
    tindak_lanjut_tw: Mapped[Optional[str]] = mapped_column(Text)
    tindak_lanjut_renja: Mapped[Optional[str]] = mapped_column(Text)

    office: Mapped[OrgUnit] = relationship(foreign_keys=[office_id])
    submissions: Mapped[list[Submission]] = relationship(back_populates="round")
    step_records: Mapped[list[StepRecord]] = relationship(
        back_populates="round", order_by="StepRecord.id"
    )
    reports: Mapped[list[Report]] = relationship(back_populates="round", order_by="Report.version")
    # The SOP step the round is at (current_step holds its number). Read-only: a round moves on through
    # core.workflow.advance, which sets current_step and expires this attribute.
    step: Mapped[Optional[SopStep]] = relationship(
        primaryjoin="foreign(CollectionRound.current_step) == SopStep.number", viewonly=True)
    __table_args__ = (
        UniqueConstraint("office_id", "year", "quarter"),
        # the regency-wide recap of a year (every office)
        Index("ix_collection_rounds_year_quarter", "year", "quarter"),
        CheckConstraint("quarter between 1 and 4", name="quarter"),
        CheckConstraint("status in ('berjalan','selesai')", name="status"),
    )


class StepRecord(Base):
    __tablename__ = "step_records"
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("collection_rounds.id"), index=True)
    step_number: Mapped[int] = mapped_column(Integer)
    actor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    started_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    finished_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    disposition: Mapped[str] = mapped_column(Text, default="")
    output_ref: Mapped[str] = mapped_column(String(300), default="")
    round: Mapped[CollectionRound] = relationship(back_populates="step_records")
    actor: Mapped[Optional[User]] = relationship()


class Submission(Base):
    """One unit's data for one round (SOP step 3)."""

    __tablename__ = "submissions"
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("collection_rounds.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    state: Mapped[str] = mapped_column(String(20), default="belum_mulai")
    deadline: Mapped[dt.date] = mapped_column(Date)
    disposition: Mapped[str] = mapped_column(Text, default="")
    distributed_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    received_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    received_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    first_submitted_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    submitted_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    submitted_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    accepted_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    round: Mapped[CollectionRound] = relationship(back_populates="submissions")
    unit: Mapped[OrgUnit] = relationship()
    realizations: Mapped[list[Realization]] = relationship(back_populates="submission")
    budget_realizations: Mapped[list[BudgetRealization]] = relationship(
        back_populates="submission"
    )
    evidence: Mapped[list[Evidence]] = relationship(back_populates="submission")
    reviews: Mapped[list[Review]] = relationship(back_populates="submission", order_by="Review.id")
    extensions: Mapped[list[Extension]] = relationship(
        back_populates="submission", order_by="Extension.id"
    )
    __table_args__ = (
        UniqueConstraint("round_id", "unit_id"),
        CheckConstraint(
            "state in ('belum_mulai','draf','diajukan','dikembalikan','diterima')", name="state"
        ),
    )


class Extension(Base):
    """A deadline extension granted to a unit by the Sekretaris."""

    __tablename__ = "extensions"
    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    old_deadline: Mapped[dt.date] = mapped_column(Date)
    new_deadline: Mapped[dt.date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    granted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    granted_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    # The extension reopened an entry the period lock had closed (listed in the report's notes).
    reopened: Mapped[Optional[bool]] = mapped_column(Boolean)
    submission: Mapped[Submission] = relationship(back_populates="extensions")


class Reminder(Base):
    """A reminder sent to a late or incomplete unit (copied or sent by WhatsApp outside the app)."""

    __tablename__ = "reminders"
    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    sent_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    sent_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    channel: Mapped[str] = mapped_column(String(20), default="salin")  # salin | whatsapp
    text: Mapped[str] = mapped_column(Text, default="")
    submission: Mapped[Submission] = relationship()
    sent_by: Mapped[User] = relationship()


class Realization(Base):
    __tablename__ = "realizations"
    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id"), index=True)
    value: Mapped[Optional[Decimal]] = mapped_column(Value)
    not_measured_reason: Mapped[str] = mapped_column(Text, default="")
    note: Mapped[str] = mapped_column(Text, default="")
    kendala: Mapped[str] = mapped_column(Text, default="")
    tindak_lanjut: Mapped[str] = mapped_column(Text, default="")
    # what made the indicator reach its target (required at or above target, as kendala is below it)
    faktor_pendorong: Mapped[str] = mapped_column(Text, default="", server_default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    submission: Mapped[Submission] = relationship(back_populates="realizations")
    indicator: Mapped[Indicator] = relationship()
    __table_args__ = (UniqueConstraint("submission_id", "indicator_id"),)


class BudgetRealization(Base):
    __tablename__ = "budget_realizations"
    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    budget_line_id: Mapped[int] = mapped_column(ForeignKey("budget_lines.id"), index=True)
    amount: Mapped[Optional[Decimal]] = mapped_column(Money)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    submission: Mapped[Submission] = relationship(back_populates="budget_realizations")
    budget_line: Mapped[BudgetLine] = relationship()
    __table_args__ = (
        UniqueConstraint("submission_id", "budget_line_id"),
        CheckConstraint("amount >= 0", name="amount"),
    )


class Evidence(Base):
    """Bukti dukung: a file stored outside the database, its SHA-256 kept here."""

    __tablename__ = "evidence"
    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    realization_id: Mapped[Optional[int]] = mapped_column(ForeignKey("realizations.id"))
    filename: Mapped[str] = mapped_column(String(255))
    stored_path: Mapped[str] = mapped_column(String(500))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    submission: Mapped[Submission] = relationship(back_populates="evidence")
    realization: Mapped[Optional[Realization]] = relationship()


class Review(Base):
    """The penyusun's decision on a submission (step 4): diterima or dikembalikan with a reason."""

    __tablename__ = "reviews"
    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    decision: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text, default="")
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    submission: Mapped[Submission] = relationship(back_populates="reviews")
    reviewer: Mapped[User] = relationship()
    __table_args__ = (
        CheckConstraint("decision in ('diterima','dikembalikan')", name="decision"),
    )


class ReviewComment(Base):
    """A reviewer's comment on one indicator row, answered by the unit and marked resolved."""

    __tablename__ = "review_comments"
    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    indicator_id: Mapped[Optional[int]] = mapped_column(ForeignKey("indicators.id"))
    text: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    response: Mapped[str] = mapped_column(Text, default="")
    responded_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    responded_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    resolved: Mapped[bool] = mapped_column(Boolean, default=False)
    resolved_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    resolved_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)


class Report(Base):
    """A generated report of a round: draf (step 5), koreksi (step 7) or final (step 9)."""

    __tablename__ = "reports"
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("collection_rounds.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    version: Mapped[int] = mapped_column(Integer)
    # The report's lines as data (indicator and budget rows), kept to diff versions.
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    note: Mapped[str] = mapped_column(Text, default="")
    round: Mapped[CollectionRound] = relationship(back_populates="reports")
    files: Mapped[list[ReportFile]] = relationship(back_populates="report", order_by="ReportFile.id")
    corrections: Mapped[list[Correction]] = relationship(
        back_populates="report", foreign_keys="Correction.report_id", order_by="Correction.id"
    )
    __table_args__ = (
        UniqueConstraint("round_id", "version"),
        CheckConstraint("kind in ('draf','koreksi','final')", name="kind"),
    )


class ReportFile(Base):
    __tablename__ = "report_files"
    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    report: Mapped[Report] = relationship(back_populates="files")


class Correction(Base):
    """The planner's correction noted against a line of a draft report (step 7)."""

    __tablename__ = "corrections"
    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), index=True)
    line_key: Mapped[str] = mapped_column(String(80))
    field: Mapped[str] = mapped_column(String(40), default="")
    note: Mapped[str] = mapped_column(Text)
    proposed_value: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    resolved: Mapped[bool] = mapped_column(Boolean, default=False)
    resolved_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    resolved_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    applied_in_report_id: Mapped[Optional[int]] = mapped_column(ForeignKey("reports.id"))
    report: Mapped[Report] = relationship(back_populates="corrections", foreign_keys=[report_id])


class Archive(Base):
    """The immutable archive bundle of a documented round (step 9), one per final version."""

    __tablename__ = "archives"
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("collection_rounds.id"), index=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), unique=True)
    version: Mapped[int] = mapped_column(Integer)
    path: Mapped[str] = mapped_column(String(500))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    # name -> sha256 of every member of the bundle
    manifest: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    __table_args__ = (UniqueConstraint("round_id", "version"),)


class AuditLog(Base):
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    actor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    actor_username: Mapped[str] = mapped_column(String(60))
    office_id: Mapped[Optional[int]] = mapped_column(ForeignKey("org_units.id"))
    action: Mapped[str] = mapped_column(String(60), index=True)
    entity: Mapped[str] = mapped_column(String(60))
    entity_id: Mapped[Optional[str]] = mapped_column(String(60))
    before: Mapped[Optional[dict[str, Any]]] = mapped_column(JSON)
    after: Mapped[Optional[dict[str, Any]]] = mapped_column(JSON)
    __table_args__ = (
        Index("ix_audit_log_entity", "entity", "entity_id"),
        # Jejak Audit of one office among a regency's: newest first
        Index("ix_audit_log_office_id_id", "office_id", "id"),
    )
