"""The dashboard's sources kept on disk (xinfang.cache): read back while the data is unchanged, read
again after any write (ORM or Core, cases or events or units), never read when tampered with, and
nothing but the newest entry left behind. On SQLite and PostgreSQL."""

import datetime as dt

import pytest

from xinfang import cache, dashboard

from .conftest import TODAY


@pytest.fixture
def reads(monkeypatch, tmp_path):
    """Count the loads that query the database; the cache in a folder of this test's own."""
    monkeypatch.setenv("XINFANG_RUN_DIR", str(tmp_path / "run"))
    from xinfang import config

    config.reset()
    calls = []
    real = dashboard._read

    def counting(session):
        calls.append(1)
        return real(session)

    monkeypatch.setattr(dashboard, "_read", counting)
    return calls


def _same(a, b):
    import pandas as pd

    pd.testing.assert_frame_equal(a.cases, b.cases)
    pd.testing.assert_frame_equal(a.analysed, b.analysed)
    pd.testing.assert_frame_equal(a.survey, b.survey)
    assert a.unit_ids == b.unit_ids and a.unit_branch == b.unit_branch


def test_unchanged_data_is_read_from_the_cache_and_any_write_is_seen(small_mine, reads):
    from sqlalchemy import update

    from xinfang.storage import db
    from xinfang.storage.models import Case, OrgUnit

    dashboard.load(today=TODAY)  # analyses the new cases: that transaction wrote, so it does not fill the cache
    first = dashboard.load(today=TODAY)
    assert len(reads) == 2
    files = list(cache.folder().glob("dashboard-sources-*.pickle"))
    assert len(files) == 1 and oct(files[0].stat().st_mode & 0o777) == "0o600"
    assert oct(cache.folder().stat().st_mode & 0o777) == "0o700"
    second = dashboard.load(today=TODAY)
    assert len(reads) == 2  # from the cache
    _same(first, second)
    assert "text" not in second.analysed.columns  # no remarks on disk

    # a status change made with a Core statement, as an importer or a script would
    with db.session() as s:
        case_id = s.execute(update(Case).where(Case.status == "登记").values(status="不予受理")
                            .returning(Case.id)).scalars().first()
    third = dashboard.load(today=TODAY)
    assert len(reads) == 3
    assert third.cases.set_index("id").loc[case_id, "status"] == "不予受理"
    assert len(list(cache.folder().glob("dashboard-sources-*.pickle"))) == 1  # the stale entry is gone

    with db.session() as s:  # a renamed unit
        s.execute(update(OrgUnit).where(OrgUnit.name == "三队").values(name="三队（新）"))
    fourth = dashboard.load(today=TODAY)
    assert len(reads) == 4 and "三队（新）" in fourth.unit_ids
    dashboard.load(today=TODAY + dt.timedelta(days=1))  # another day: the same data
    assert len(reads) == 4


def test_nothing_anyone_wrote_is_kept_on_disk(small_mine, reads):
    """The cache file holds counts' raw material only: no case text and no questionnaire remark (the
    dashboard uses neither; remarks are read for the few cases a page shows)."""
    from xinfang.storage import db
    from xinfang.storage.models import Case, Submission

    dashboard.load(today=TODAY)
    sources = dashboard.load(today=TODAY)
    blob = next(cache.folder().glob("dashboard-sources-*.pickle")).read_bytes()
    with db.session() as s:
        texts = [t for (t,) in s.query(Case.text)] + [a["remark"] for (a,) in s.query(Submission.answers)]
    assert len(texts) == 11 + 14 and all(texts)
    for text in {*texts}:
        assert text.encode("utf-8") not in blob, text
    assert "remark" not in sources.survey.columns and "text" not in sources.analysed.columns


def test_a_tampered_or_foreign_entry_is_never_unpickled(small_mine, reads):
    dashboard.load(today=TODAY)
    dashboard.load(today=TODAY)
    path = next(cache.folder().glob("dashboard-sources-*.pickle"))
    blob = bytearray(path.read_bytes())
    blob[-1] ^= 0xFF
    path.write_bytes(bytes(blob))
    again = dashboard.load(today=TODAY)
    assert len(reads) == 3 and len(again.cases) == 11
    # a file someone put there, signed with another key: ignored and removed
    import hashlib
    import hmac
    import pickle

    body = pickle.dumps({"not": "sources"})
    path.write_bytes(hmac.digest(hashlib.sha256(b"other").digest(), body, "sha256") + body)
    assert len(dashboard.load(today=TODAY).cases) == 11 and len(reads) == 4


def test_remarks_behind_a_cell_come_from_the_database(small_mine, reads):
    from .conftest import MARKER

    dashboard.load(today=TODAY)
    dashboard.load(today=TODAY)
    sources = dashboard.load(today=TODAY)  # from the cache, without text
    assert len(reads) == 2
    rows, total = dashboard.cases_behind(dashboard.Filters(dashboard.parse_period("2026Q4"), today=TODAY), sources,
                                         view="office", unit="一队")
    assert total == 6 and all(MARKER in t for t in rows["内容"])


def test_without_a_readable_vault_key_nothing_is_cached(small_mine, reads, monkeypatch, tmp_path):
    from xinfang import config

    (tmp_path / "unreadable.key").mkdir()  # the entries are signed with a key derived from it
    monkeypatch.setenv("XINFANG_VAULT_KEY_FILE", str(tmp_path / "unreadable.key"))
    config.reset()
    for _ in range(3):
        dashboard.load(today=TODAY)
    assert len(reads) == 3 and not list(cache.folder().glob("*.pickle"))


def test_clear_removes_every_entry(small_mine, reads):
    dashboard.load(today=TODAY)
    dashboard.load(today=TODAY)
    assert cache.clear() == 1 and not list(cache.folder().glob("*.pickle"))


def test_the_case_frame_read_in_parts_equals_one_read(small_mine, monkeypatch):
    """metrics.case_frame and analysis.analysed_frame read in parts of 2 rows (their conversions run
    part by part: xinfang.storage.frames) equal the same frames read in one part."""
    import pandas as pd

    from xinfang import analysis, metrics
    from xinfang.storage import db, frames

    with db.session() as s:
        analysis.refresh(s)
    with db.session() as s:
        whole = metrics.case_frame(s), analysis.analysed_frame(s)
    monkeypatch.setattr(frames, "CHUNK_ROWS", 2)
    with db.session() as s:
        parts = metrics.case_frame(s), analysis.analysed_frame(s)
    assert len(whole[0]) == 11 and len(whole[1]) == 11
    for a, b in zip(whole, parts, strict=True):
        pd.testing.assert_frame_equal(a, b)
