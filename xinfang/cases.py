"""Register cases: the one place a 信访事项 enters the database.

``register_cases`` validates every row, writes the cases, their 登记 event and (for 实名/保密) the
identity into the vault, all inside the caller's transaction, and returns each case with its 查询码.
A 查询码 is shown once to the petitioner; only its hash is stored. Forms, imports and the demo all
come through here (``register_case`` is the one-row form).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from xinfang import vocab
from xinfang.errors import ValidationError
from xinfang.storage.models import Case, CaseEvent, OrgUnit, PiiVault

# Unambiguous alphabet (no 0/O, 1/I/L): 31 symbols ** 12 ≈ 2**59 codes, so guessing is hopeless.
_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
_CODE_LENGTH = 12


def new_query_code() -> str:
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(_CODE_LENGTH))
    return f"{raw[0:4]}-{raw[4:8]}-{raw[8:12]}"


def normalize_query_code(code: str) -> str:
    """Upper-case, drop spaces and dashes, so '  abcd efgh-jkmn ' matches what was issued."""
    return "".join(ch for ch in str(code).upper() if ch.isalnum())


def hash_query_code(code: str) -> str:
    return hashlib.sha256(normalize_query_code(code).encode("ascii", "ignore")).hexdigest()


def case_number(case_id: int, received_on: dt.date) -> str:
    return f"XF{received_on.year}-{case_id:07d}"


@dataclass
class NewCase:
    """What is needed to register a case. ``identity`` is {name, staff_no, phone} for 实名/保密."""

    text: str
    received_on: dt.date
    channel: str
    intake_mode: str
    unit: str | int | None = None
    nature: str = "申诉求决"
    category: str | None = None
    subcategory: str | None = None
    is_group: bool = False
    people_count: int = 1
    escalated: bool = False
    source_activity_id: int | None = None
    submission_id: int | None = None
    repeat_of_id: int | None = None
    identity: Mapping[str, str | None] | None = None
    actor: str | None = None
    # demo and imports may give the code to issue (e.g. deterministic demo codes)
    query_code: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class Registered:
    case_id: int
    case_no: str
    query_code: str


def _check(row: NewCase, unit_ids: Mapping[str, int], known_ids: set[int]) -> int | None:
    text = (row.text or "").strip()
    if not text:
        raise ValidationError("case.bad_value", field="反映内容", value="", problem="不能为空",
                              problem_en="must not be empty")
    for field_name, label, vocab_name in (
        ("channel", "来源渠道", "channels"),
        ("intake_mode", "反映方式", "intake_modes"),
        ("nature", "性质", "natures"),
    ):
        value = getattr(row, field_name)
        allowed = vocab.terms(vocab_name)
        if value not in allowed:
            raise ValidationError("case.bad_value", field=label, value=value,
                                  problem="应为 " + "、".join(allowed) + " 之一",
                                  problem_en="expected one of " + ", ".join(allowed))
    if not isinstance(row.received_on, dt.date):
        raise ValidationError("case.bad_value", field="登记日期", value=row.received_on,
                              problem="应为日期", problem_en="expected a date")
    if isinstance(row.received_on, dt.datetime):
        row.received_on = row.received_on.date()
    if row.received_on > dt.date.today():
        raise ValidationError("case.bad_value", field="登记日期", value=row.received_on.isoformat(),
                              problem="不能晚于今天", problem_en="must not be in the future")
    if not isinstance(row.people_count, int) or row.people_count < 1:
        raise ValidationError("case.bad_value", field="人数", value=row.people_count,
                              problem="应为不小于 1 的整数", problem_en="expected an integer ≥ 1")
    identity = {k: v for k, v in (row.identity or {}).items() if v not in (None, "")}
    if row.intake_mode == "匿名" and identity:
        raise ValidationError("case.identity_for_anonymous")
    if row.intake_mode in vocab.terms("identified_modes") and not identity.get("name"):
        raise ValidationError("case.identity_missing", mode=row.intake_mode)
    if row.unit is None or row.unit == "":
        return None
    if isinstance(row.unit, int):
        if row.unit not in known_ids:
            raise ValidationError("case.unknown_unit", unit=row.unit)
        return row.unit
    if row.unit not in unit_ids:
        raise ValidationError("case.unknown_unit", unit=row.unit)
    return unit_ids[row.unit]


def register_cases(session: Session, rows: Iterable[NewCase]) -> list[Registered]:
    """Validate and register ``rows`` in the caller's transaction. Nothing is written if one is bad."""
    rows = list(rows)
    if not rows:
        return []
    units = dict(session.execute(select(OrgUnit.name, OrgUnit.id)).all())
    known_ids = set(units.values())
    unit_of = [_check(r, units, known_ids) for r in rows]

    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    codes = [r.query_code or new_query_code() for r in rows]
    hashes = [hash_query_code(c) for c in codes]
    values = [
        {
            # a unique placeholder until the id is known; replaced below in the same transaction
            "case_no": "tmp-" + h[:26],
            "query_code_hash": h,
            "received_on": r.received_on,
            "channel": r.channel,
            "intake_mode": r.intake_mode,
            "unit_id": u,
            "category": r.category,
            "subcategory": r.subcategory,
            "nature": r.nature,
            "text": r.text.strip(),
            "is_group": bool(r.is_group or r.people_count > 1),
            "people_count": r.people_count,
            "escalated": bool(r.escalated),
            "source_activity_id": r.source_activity_id,
            "submission_id": r.submission_id,
            "repeat_of_id": r.repeat_of_id,
            "status": "登记",
            "satisfaction": "未评价",
            "created_at": now,
        }
        for r, u, h in zip(rows, unit_of, hashes, strict=True)
    ]
    # Core executemany, then ids looked up by the unique code hash: far faster than INSERT … RETURNING
    # through the ORM for large batches (the demo writes a million cases this way).
    conn = session.connection()
    conn.execute(insert(Case.__table__), values)
    id_of: dict[str, int] = {}
    for start in range(0, len(hashes), 900):
        part = hashes[start:start + 900]
        id_of.update((h, i) for i, h in conn.execute(
            select(Case.id, Case.query_code_hash).where(Case.query_code_hash.in_(part))))
    ids = [id_of[h] for h in hashes]
    numbers = [case_number(i, r.received_on) for i, r in zip(ids, rows, strict=True)]
    table = Case.__table__
    conn.execute(
        update(table).where(table.c.id == bindparam("cid")).values(case_no=bindparam("no")),
        [{"cid": i, "no": n} for i, n in zip(ids, numbers, strict=True)],
    )
    conn.execute(
        insert(CaseEvent.__table__),
        [
            {"case_id": i, "kind": "登记", "happened_on": r.received_on, "actor": r.actor,
             "details": {"channel": r.channel}, "created_at": now}
            for i, r in zip(ids, rows, strict=True)
        ],
    )
    vault = [
        {"case_id": i, "name": r.identity["name"], "staff_no": r.identity.get("staff_no"),
         "phone": r.identity.get("phone")}
        for i, r in zip(ids, rows, strict=True)
        if r.intake_mode in vocab.terms("identified_modes")
    ]
    if vault:
        conn.execute(insert(PiiVault.__table__), [{**v, "created_at": now} for v in vault])
    return [Registered(i, n, c) for i, n, c in zip(ids, numbers, codes, strict=True)]


def register_case(session: Session, row: NewCase) -> Registered:
    """Register one case (see ``register_cases``)."""
    return register_cases(session, [row])[0]
