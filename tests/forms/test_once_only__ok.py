"""Once only: a resend of the same instanceID stores nothing new, even when two requests race."""

import datetime as dt
import threading

from sqlalchemy import func, select

from xinfang.forms import new_instance_id, submit
from xinfang.storage import db
from xinfang.storage.models import Case, CaseEvent, Submission

from .test_submit_case__ok import DEMAND

TODAY = dt.date(2026, 11, 20)
ANSWERS = {"mode": "匿名", "unit": "机电队", "content": "检修班组排班不均衡"}


def counts(eng):
    with db.session(eng) as s:
        return tuple(s.scalar(select(func.count()).select_from(m)) for m in (Submission, Case, CaseEvent))


def test_resend_stores_nothing_new__ok(mine):
    iid = new_instance_id()
    with db.session(mine) as s:
        first = submit(s, DEMAND, ANSWERS, iid, today=TODAY)
    before = counts(mine)
    for _ in range(3):  # double click, retried request, reconnect: each a new transaction
        with db.session(mine) as s:
            again = submit(s, DEMAND, ANSWERS, iid, today=TODAY)
        assert again.duplicate and again.submission_id == first.submission_id
        assert [c.case_no for c in again.cases] == [c.case_no for c in first.cases]
        assert again.cases[0].query_code is None  # shown once; only its hash is stored
        assert "已经提交过" in again.text and first.cases[0].case_no in again.text
    assert counts(mine) == before == (1, 1, 1)


def test_resend_with_changed_answers_is_still_the_first__ok(mine):
    iid = new_instance_id()
    with db.session(mine) as s:
        submit(s, DEMAND, ANSWERS, iid, today=TODAY)
    with db.session(mine) as s:
        again = submit(s, DEMAND, {**ANSWERS, "content": "改过的内容"}, iid, today=TODAY)
    assert again.duplicate
    with db.session(mine) as s:
        assert s.scalar(select(Case.text)) == ANSWERS["content"]


def test_racing_requests_store_one__ok(mine, monkeypatch):
    """Request A has written but not committed when request B arrives with the same instanceID."""
    from xinfang.forms import records as submit_module

    looked_up: list[tuple[str, bool]] = []
    original = submit_module.existing_receipt

    def spy(session, instance_id):
        found = original(session, instance_id)
        looked_up.append((threading.current_thread().name, found is not None))
        return found

    monkeypatch.setattr(submit_module, "existing_receipt", spy)
    iid = new_instance_id()
    with db.session(mine) as s:  # the form version exists already, as it does after the first answer
        submit(s, DEMAND, ANSWERS, new_instance_id(), today=TODAY)
    a_written, b_started = threading.Event(), threading.Event()
    results: dict[str, object] = {}

    def request_a():
        with db.session(mine) as s:
            results["a"] = submit(s, DEMAND, ANSWERS, iid, today=TODAY)
            a_written.set()
            b_started.wait(5)
            threading.Event().wait(0.3)  # B is now blocked on A's uncommitted row

    def request_b():
        a_written.wait(5)
        b_started.set()
        try:
            with db.session(mine) as s:
                results["b"] = submit(s, DEMAND, ANSWERS, iid, today=TODAY)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            results["b"] = exc

    threads = [threading.Thread(target=request_a, name="A"), threading.Thread(target=request_b, name="B")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    a, b = results["a"], results["b"]
    assert not isinstance(b, Exception), b
    assert not a.duplicate and b.duplicate and b.submission_id == a.submission_id
    assert counts(mine) == (2, 2, 2)
    # B did not see A's row at first: the database's unique index settled the race
    assert [found for name, found in looked_up if name == "B"] == [False, True]
