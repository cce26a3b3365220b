"""Retention: delete identity and free text once the office's periods (data/retention.yaml) have run.

Every run is recorded in the audit log with what it removed; ``dry_run`` reports without changing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache

import yaml
from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session

from xinfang import vocab
from xinfang.config import settings
from xinfang.errors import DataFileError
from xinfang.storage.models import AuditLog, Case, FollowUpPlan, PiiVault, Submission


def closed_statuses() -> list[str]:
    """Statuses in which a case is finished (data/vocabulary.yaml: case statuses that are not open)."""
    open_ = set(vocab.terms("open_statuses"))
    return [s for s in vocab.terms("case_statuses") if s not in open_]


@cache
def rules() -> dict:
    path = settings().data_dir / "retention.yaml"
    if not path.exists():
        raise DataFileError("data.file_missing", file=str(path))
    return yaml.safe_load(path.read_text(encoding="utf-8"))["rules"]


@dataclass(frozen=True)
class RetentionReport:
    case_identities: int
    followup_identities: int
    questionnaire_texts: int
    dry_run: bool

    def lines(self) -> list[str]:
        verb = "将删除" if self.dry_run else "已删除"
        return [f"{verb}已办结事项的信访人身份 {self.case_identities} 条",
                f"{verb}已结束一人一策的当事人身份 {self.followup_identities} 条",
                f"{verb}问卷答卷中的自由文字 {self.questionnaire_texts} 份"]


def _cutoff(today: dt.date, rule: str) -> dt.date:
    return today - dt.timedelta(days=int(rules()[rule]["after_days"]))


def apply_retention(session: Session, *, today: dt.date | None = None, actor: str = "retention",
                    dry_run: bool = False) -> RetentionReport:
    today = today or dt.date.today()
    case_vault = list(session.scalars(
        select(PiiVault.id).join(Case, Case.id == PiiVault.case_id)
        .where(Case.status.in_(closed_statuses()), Case.closed_on <= _cutoff(today, "closed_case_identity"))))
    plan_vault = list(session.scalars(
        select(FollowUpPlan.vault_id).where(FollowUpPlan.status == "已结束", FollowUpPlan.vault_id.is_not(None),
                                            FollowUpPlan.started_on <= _cutoff(today, "followup_identity"))))
    subs = [s for s in session.scalars(select(Submission).where(
        Submission.submitted_on <= _cutoff(today, "questionnaire_free_text"))) if _free_text_keys(s.answers)]
    report = RetentionReport(len(case_vault), len(plan_vault), len(subs), dry_run)
    if dry_run:
        return report
    if session.get_bind().dialect.name == "sqlite":
        # zero what is deleted instead of leaving it in the file's free pages (PIPL: removed means gone)
        session.execute(text("PRAGMA secure_delete = ON"))
    if plan_vault:
        session.execute(FollowUpPlan.__table__.update().where(FollowUpPlan.vault_id.in_(plan_vault)).values(vault_id=None))
    if case_vault or plan_vault:
        session.execute(delete(PiiVault).where(PiiVault.id.in_(case_vault + plan_vault)))
    for sub in subs:
        sub.answers = {k: v for k, v in sub.answers.items() if k not in _free_text_keys(sub.answers)}
    session.add(AuditLog(actor=actor, action="保存期限清理", target="全部", reason="；".join(report.lines())))
    from xinfang import cache

    cache.clear()  # derived copies of questionnaire answers (the dashboard's cache) go with them
    return report


def _free_text_keys(answers: dict) -> set[str]:
    """The non-empty free-text answers named by the questionnaire_free_text rule."""
    keys = set(rules()["questionnaire_free_text"].get("keys", []))
    return {k for k, v in (answers or {}).items() if k in keys and v}
