"""Identity of 实名/保密 petitioners (the PII vault) and the audit log of every look at it.

The vault is read only through ``read_identity``, which writes an audit entry (who, when, why) in the
same transaction; a look without a reason is refused. 匿名 cases have no vault entry at all. (DESIGN.md
§9; suppression of small groups lives in xinfang.privacy.)
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinfang.errors import ValidationError
from xinfang.storage.models import AuditLog, Case, PiiVault


@dataclass(frozen=True)
class Identity:
    name: str
    staff_no: str | None
    phone: str | None


def read_identity(session: Session, case_id: int, *, actor: str, reason: str) -> Identity | None:
    """The identity behind a case (None for 匿名), recorded in the audit log."""
    if not (actor or "").strip() or not (reason or "").strip():
        raise ValidationError("vault.reason_required")
    case = session.get(Case, case_id)
    if case is None:
        raise ValidationError("case.not_found", case=case_id)
    session.add(AuditLog(actor=actor.strip(), action="查看身份", target=case.case_no, reason=reason.strip()))
    row = session.scalar(select(PiiVault).where(PiiVault.case_id == case_id))
    if row is None:
        return None
    return Identity(row.name, row.staff_no, row.phone)


def audit_entries(session: Session, target: str | None = None) -> list[AuditLog]:
    q = select(AuditLog).order_by(AuditLog.id)
    if target:
        q = q.where(AuditLog.target == target)
    return list(session.scalars(q))
