"""Database models of DESIGN.md §3 (SQLAlchemy 2, the same on SQLite and PostgreSQL).

Values from controlled vocabularies (data/vocabulary.yaml) are stored as their Chinese text, so a
table read with any tool makes sense to the office. Identity lives only in ``pii_vault``.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from xinfang.storage.encryption import EncryptedText

# Stable constraint names so Alembic migrations are the same on every backend.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class OrgUnit(Base):
    """矿, 科室, 区队, 车间, 班组 or 党支部. A 党支部 covers the units whose ``branch_id`` points to it."""

    __tablename__ = "org_unit"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"))
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"))
    headcount: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    parent: Mapped[OrgUnit | None] = relationship(remote_side=[id], foreign_keys=[parent_id])
    branch: Mapped[OrgUnit | None] = relationship(remote_side=[id], foreign_keys=[branch_id])


class User(Base):
    __tablename__ = "app_user"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    display_name: Mapped[str] = mapped_column(String(60))
    role: Mapped[str] = mapped_column(String(20))
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)


class UserSession(Base):
    """A sign-in to the office server. The browser's cookie holds a random token; only its SHA-256
    (``key_hash``) is stored, so a copy of the database cannot be used to sign in. No address, no device."""

    __tablename__ = "app_session"
    id: Mapped[int] = mapped_column(primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    last_seen: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class Form(Base):
    __tablename__ = "form"
    id: Mapped[int] = mapped_column(primary_key=True)
    form_key: Mapped[str] = mapped_column(String(100), unique=True)  # XLSForm settings.form_id
    title: Mapped[str] = mapped_column(String(200))
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)


class FormVersion(Base):
    __tablename__ = "form_version"
    __table_args__ = (UniqueConstraint("form_id", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    form_id: Mapped[int] = mapped_column(ForeignKey("form.id"))
    version: Mapped[str] = mapped_column(String(40))
    source_xlsx: Mapped[bytes | None] = mapped_column(LargeBinary)
    definition: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)


class Submission(Base):
    """One filled form. Carries no identity, no IP address and only the day of submission."""

    __tablename__ = "submission"
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[str] = mapped_column(String(64), unique=True)
    form_version_id: Mapped[int] = mapped_column(ForeignKey("form_version.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"))
    answers: Mapped[dict] = mapped_column(JSON)
    submitted_on: Mapped[dt.date] = mapped_column(Date)


class Activity(Base):
    __tablename__ = "activity"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    held_on: Mapped[dt.date] = mapped_column(Date, index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"), index=True)
    host: Mapped[str | None] = mapped_column(String(60))
    title: Mapped[str | None] = mapped_column(String(200))
    topics: Mapped[list] = mapped_column(JSON, default=list)
    participants: Mapped[int] = mapped_column(Integer, default=0)
    sessions: Mapped[int] = mapped_column(Integer, default=1)
    audience: Mapped[str] = mapped_column(String(20), default="职工")
    minutes: Mapped[str | None] = mapped_column(Text)
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submission.id"))


class Case(Base):
    """A 信访事项 / 诉求. Identity of 实名/保密 petitioners is in ``pii_vault``, never here."""

    __tablename__ = "petition_case"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_no: Mapped[str] = mapped_column(String(30), unique=True)
    query_code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    received_on: Mapped[dt.date] = mapped_column(Date, index=True)
    channel: Mapped[str] = mapped_column(String(20))
    source_activity_id: Mapped[int | None] = mapped_column(ForeignKey("activity.id"))
    intake_mode: Mapped[str] = mapped_column(String(10))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"), index=True)
    category: Mapped[str | None] = mapped_column(String(10))  # taxonomy code set by staff (wins)
    subcategory: Mapped[str | None] = mapped_column(String(60))
    nature: Mapped[str] = mapped_column(String(20), default="申诉求决")
    text: Mapped[str] = mapped_column(Text)
    is_group: Mapped[bool] = mapped_column(Boolean, default=False)
    people_count: Mapped[int] = mapped_column(Integer, default=1)
    repeat_of_id: Mapped[int | None] = mapped_column(ForeignKey("petition_case.id"))
    escalated: Mapped[bool] = mapped_column(Boolean, default=False)
    handler_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    status: Mapped[str] = mapped_column(String(10), default="登记", index=True)
    accepted_on: Mapped[dt.date | None] = mapped_column(Date)
    due_on: Mapped[dt.date | None] = mapped_column(Date)
    closed_on: Mapped[dt.date | None] = mapped_column(Date)
    outcome: Mapped[str | None] = mapped_column(String(10))
    satisfaction: Mapped[str] = mapped_column(String(10), default="未评价")
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submission.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)

    events: Mapped[list[CaseEvent]] = relationship(back_populates="case", order_by="CaseEvent.id")


class CaseEvent(Base):
    __tablename__ = "case_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("petition_case.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    happened_on: Mapped[dt.date] = mapped_column(Date)
    actor: Mapped[str | None] = mapped_column(String(60))
    note: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)

    case: Mapped[Case] = relationship(back_populates="events")


class CaseAnalysis(Base):
    """Stored text-analysis result per case, with the vocabulary versions that produced it."""

    __tablename__ = "case_analysis"
    case_id: Mapped[int] = mapped_column(ForeignKey("petition_case.id", ondelete="CASCADE"), primary_key=True)
    label: Mapped[str] = mapped_column(String(4))
    score: Mapped[float] = mapped_column(Float)
    cues: Mapped[list] = mapped_column(JSON, default=list)
    topics: Mapped[list] = mapped_column(JSON, default=list)
    topic_words: Mapped[dict] = mapped_column(JSON, default=dict)
    keywords: Mapped[list] = mapped_column(JSON, default=list)
    decided_by: Mapped[str] = mapped_column(String(20))
    taxonomy_version: Mapped[str] = mapped_column(String(40))
    lexicon_version: Mapped[str] = mapped_column(String(40))
    model_params: Mapped[dict] = mapped_column(JSON, default=dict)
    analysed_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)


class PiiVault(Base):
    """Names, 工号 and phones of 实名/保密 petitioners, apart from case text. Read only via
    xinfang.vault.read_identity (audit-logged). Encrypted at rest with a key kept outside the database
    (xinfang.storage.encryption): the columns hold ``xf1:…`` tokens, the ORM gives plain text."""

    __tablename__ = "pii_vault"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("petition_case.id", ondelete="CASCADE"), unique=True)
    name: Mapped[str] = mapped_column(EncryptedText)
    staff_no: Mapped[str | None] = mapped_column(EncryptedText)
    phone: Mapped[str | None] = mapped_column(EncryptedText)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)


class FollowUpPlan(Base):
    """一人一策: a follow-up plan for one person (the person is a vault entry, not a name here)."""

    __tablename__ = "followup_plan"
    id: Mapped[int] = mapped_column(primary_key=True)
    vault_id: Mapped[int | None] = mapped_column(ForeignKey("pii_vault.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("petition_case.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"))
    concern: Mapped[str] = mapped_column(Text)
    measures: Mapped[str | None] = mapped_column(Text)
    owner: Mapped[str | None] = mapped_column(String(60))
    started_on: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="跟进中")


class FollowUpVisit(Base):
    __tablename__ = "followup_visit"
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("followup_plan.id"), index=True)
    visited_on: Mapped[dt.date] = mapped_column(Date)
    visitor: Mapped[str | None] = mapped_column(String(60))
    mood: Mapped[str | None] = mapped_column(String(10))
    notes: Mapped[str | None] = mapped_column(Text)
    next_on: Mapped[dt.date | None] = mapped_column(Date)
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submission.id"))


class RiskItem(Base):
    """不稳定因素排查台账."""

    __tablename__ = "risk_item"
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"), index=True)
    issue: Mapped[str] = mapped_column(Text)
    people_count: Mapped[int] = mapped_column(Integer, default=1)
    level: Mapped[str] = mapped_column(String(10), default="一般")
    measures: Mapped[str | None] = mapped_column(Text)
    owner: Mapped[str | None] = mapped_column(String(60))
    deadline: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="在控")
    source: Mapped[str | None] = mapped_column(String(40))
    found_on: Mapped[dt.date] = mapped_column(Date)
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submission.id"))


class RiskUpdate(Base):
    """One entry of a risk item's progress (进展): what was done, and the status, deadline or measures it
    changed (None where unchanged). The item holds the current values; its updates are its history."""

    __tablename__ = "risk_update"
    id: Mapped[int] = mapped_column(primary_key=True)
    risk_id: Mapped[int] = mapped_column(ForeignKey("risk_item.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    actor: Mapped[str] = mapped_column(String(60))
    note: Mapped[str] = mapped_column(Text)
    status: Mapped[str | None] = mapped_column(String(10))
    deadline: Mapped[dt.date | None] = mapped_column(Date)
    measures: Mapped[str | None] = mapped_column(Text)


class QuarterlyReport(Base):
    __tablename__ = "quarterly_report"
    __table_args__ = (UniqueConstraint("branch_id", "year", "quarter"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"))
    year: Mapped[int] = mapped_column(Integer)
    quarter: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default="草稿")
    sections: Mapped[dict] = mapped_column(JSON, default=dict)
    drafted_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class AuditLog(Base):
    """Who read or exported identity data, when and why. Append-only."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now, server_default=func.now())
    actor: Mapped[str] = mapped_column(String(60))
    action: Mapped[str] = mapped_column(String(40))
    target: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str | None] = mapped_column(Text)


class LookupThrottle(Base):
    """Failed 查询码 lookups per minute, for the whole forms server: no address, no code, no person."""

    __tablename__ = "lookup_throttle"
    minute: Mapped[dt.datetime] = mapped_column(DateTime, primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)


class DataGeneration(Base):
    """One row (id 1) whose ``n`` rises with every write to the tables the dashboard reads. Kept by
    database triggers (migration 0004), not by this program: read it with
    xinfang.storage.db.data_generation, never write it."""

    __tablename__ = "data_generation"
    id: Mapped[int] = mapped_column(primary_key=True)
    n: Mapped[int] = mapped_column(BigInteger)


Index("ix_case_unit_received", Case.unit_id, Case.received_on)
