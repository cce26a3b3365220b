"""Short transactions for imports, and the writer shared by the form imports (问卷星, Kobo/ODK).

Every batch is its own transaction, so a long import never holds the database against form
submissions for more than a moment, and a crash loses at most the batch in hand. A dry run goes
through exactly the same code and rolls each batch back.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinfang.errors import FormAnswersError, ValidationError
from xinfang.forms import FormSpec, submit
from xinfang.imports.report import ImportReport
from xinfang.storage import db
from xinfang.storage.models import Submission

Progress = Callable[[int, float | None], None]  # (rows read so far, fraction of the file or None)
FORM_BATCH = 200
RETRY_FIX = "改正后重新导入（已导入的行不会重复导入）"


@contextlib.contextmanager
def batch_session(dry_run: bool) -> Iterator[Session]:
    """One batch: commits when the block ends (rolls back in a dry run or on an error)."""
    eng = db.engine()
    with db.translate_errors(eng), Session(eng, expire_on_commit=False) as s:
        s.begin()
        if eng.dialect.name == "sqlite":
            # pysqlite starts a transaction only before the first write, so a SAVEPOINT issued
            # earlier would open (and its RELEASE commit) a transaction of its own. Begin explicitly;
            # IMMEDIATE takes the write lock now, waiting up to the busy timeout, for this batch only.
            s.connection().exec_driver_sql("BEGIN IMMEDIATE")
        try:
            yield s
        except BaseException:
            s.rollback()
            raise
        if dry_run:
            s.rollback()
        else:
            s.commit()


def batched(items: Iterable, size: int) -> Iterator[list]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


@dataclass(frozen=True)
class FormRow:
    row: int
    instance_id: str
    submitted_on: dt.date
    answers: dict
    columns: dict  # question name → the file's column, for messages


def write_form_rows(spec: FormSpec, rows: Iterable[FormRow], report: ImportReport, *, dry_run: bool,
                    tick: Callable[[], None], batch_size: int | None = None) -> None:
    """Submit each row through forms.submit (idempotent on instanceID), a batch per transaction."""
    first_row: dict[str, int] = {}  # instanceID → row, to name duplicates inside the file
    for chunk in batched(rows, batch_size or FORM_BATCH):
        with batch_session(dry_run) as s:
            ids = [r.instance_id for r in chunk]
            stored = set(s.scalars(select(Submission.instance_id).where(Submission.instance_id.in_(ids))))
            for r in chunk:
                if r.instance_id in first_row:
                    report.refuse(r.row, None, f"与第 {first_row[r.instance_id]} 行是同一份答卷（编号相同，重复行）",
                                  "删除重复的行")
                    continue
                first_row[r.instance_id] = r.row
                if r.instance_id in stored:
                    report.already += 1
                    continue
                try:
                    with s.begin_nested():
                        receipt = submit(s, spec, r.answers, r.instance_id, today=r.submitted_on)
                except FormAnswersError as exc:
                    for name, _idx, text in exc.problems:
                        report.refuse(r.row, r.columns.get(name), text, RETRY_FIX)
                    continue
                except ValidationError as exc:
                    report.refuse(r.row, None, exc.zh.rstrip("。"), RETRY_FIX)
                    continue
                report.imported += 1
                report.cases += len(receipt.cases)
        tick()
