"""The schema: migrations and models agree, and the database enforces what it can."""

from decimal import Decimal

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from db.engine import get_engine
from db.models import Base, CollectionRound, Indicator, Realization, Submission, Target


def test_migrations_and_models_agree(db_url):
    with get_engine(db_url).connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    assert diff == []


def test_values_come_back_as_decimal(session):
    target = session.scalars(select(Target)).first()
    assert isinstance(target.annual, Decimal)


def test_one_round_per_office_and_quarter(session):
    existing = session.scalars(select(CollectionRound)).first()
    session.add(CollectionRound(office_id=existing.office_id, year=existing.year, quarter=existing.quarter))
    with pytest.raises(IntegrityError):
        session.flush()


def test_quarter_must_be_1_to_4(session):
    office_id = session.scalars(select(CollectionRound)).first().office_id
    session.add(CollectionRound(office_id=office_id, year=2030, quarter=5))
    with pytest.raises(IntegrityError):
        session.flush()


def test_one_realization_per_submission_and_indicator(session):
    r = session.scalars(select(Realization)).first()
    session.add(Realization(submission_id=r.submission_id, indicator_id=r.indicator_id, value=Decimal("1")))
    with pytest.raises(IntegrityError):
        session.flush()


def test_foreign_keys_are_enforced(session):
    sub = session.scalars(select(Submission)).first()
    session.add(Realization(submission_id=sub.id, indicator_id=999_999, value=Decimal("1")))
    with pytest.raises(IntegrityError):
        session.flush()


def test_demo_office_is_complete(session):
    from db.models import BudgetLine, SopStep, User

    assert len(session.scalars(select(SopStep)).all()) == 9
    roles = {u.role for u in session.scalars(select(User))}
    assert {"kepala_dinas", "sekretaris", "kepala_bidang", "jft", "perencana", "penyusun"} <= roles
    assert 10 <= len(session.scalars(select(Indicator)).all()) <= 15
    assert session.scalars(select(BudgetLine)).first().pagu > 0
    for u in session.scalars(select(User)):
        assert u.password_hash.startswith("$2")  # bcrypt, never plain text
        assert u.nip is None or (len(u.nip) == 18 and u.nip.isdigit())


@pytest.mark.parametrize("value", [Decimal("9007199254740993"), Decimal("0.0001"), Decimal("4.16"),
                                   Decimal("12345678901.2345"), Decimal("99999999999.9999")])
def test_indicator_values_come_back_exactly_on_every_database(session, value):
    """SQLite stored NUMERIC as a float: 9007199254740993 came back as …992."""
    r = session.scalars(select(Realization)).first()
    r.value = value
    session.commit()
    session.expire_all()
    assert session.get(Realization, r.id).value == value
    assert session.scalar(select(Realization.id).where(Realization.value == value)) == r.id  # SQL equality too


def test_tiny_values_get_the_same_answer_however_they_are_written():
    from core.errors import InvalidInput
    from core.parsing import parse_number

    for typed in ("0,0000001", "1e-7", "0.0000001"):
        with pytest.raises(InvalidInput):
            parse_number(typed)  # refused, never stored as 0
