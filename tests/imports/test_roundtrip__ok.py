"""Round trips: what the workbook exports imports back as identical records.

Submissions go out as a sheet per form (or one CSV) and come back through the Kobo/ODK importer;
cases go out in a 信访台账's columns and come back through the ledger importer, identity included
when an allowed role exported it.
"""

import datetime as dt
import json
import random

import pytest
from openpyxl import load_workbook
from sqlalchemy import delete, select

from tests.imports.conftest import submissions
from xinfang import export, forms, vault
from xinfang.cases import NewCase, register_cases
from xinfang.errors import ValidationError
from xinfang.forms import submit
from xinfang.forms.records import new_instance_id
from xinfang.imports import run_import
from xinfang.storage import db
from xinfang.storage.models import AuditLog, Case, OrgUnit, Submission

FORM = "sixiang_dongtai"
TEXTS = ["食堂的饭菜太咸了，能不能少放点盐", "夜班补助，什么时候发？", "<b>加粗</b> & 'quotes' \"double\"",
         "安全帽不够用😅，新来的同志没有", "  前后有空格  ", "排班不均衡；老是我们班上夜班,希望调整"]


def _random_answers(spec, rng: random.Random) -> dict:
    answers = {}
    for f in spec.walk():
        if f.repeat is not None or f.kind in {"note", "calculate", "group", "repeat"}:
            continue
        if f.kind == "select_one":
            answers[f.name] = rng.choice(f.choices).name
        elif f.kind == "select_multiple":
            answers[f.name] = [c.name for c in rng.sample(list(f.choices), rng.randint(0, 3))]
        elif f.kind in {"text"}:
            answers[f.name] = rng.choice(TEXTS + [""])
    return answers


def _stored() -> list[tuple]:
    return sorted((s.instance_id, s.submitted_on, json.dumps(s.answers, sort_keys=True, ensure_ascii=False))
                  for s in submissions())


@pytest.fixture
def answered(mine):
    spec = forms.by_key(FORM)
    rng = random.Random(7)
    with db.session() as s:
        for i in range(40):
            submit(s, spec, _random_answers(spec, rng), new_instance_id(), today=dt.date(2026, 1, 1) + dt.timedelta(i))
    before = _stored()
    assert len(before) == 40
    assert any(len(json.loads(a).get("concerns", [])) >= 2 for _, _, a in before)  # joined answers are tried
    return before


@pytest.mark.parametrize("suffix", ["xlsx", "csv"])
def test_submissions_export_then_import_gives_the_same_records(answered, tmp_path, suffix):
    spec = forms.by_key(FORM)
    out = export.export_submissions(tmp_path / f"答卷.{suffix}", forms=[FORM])
    assert out.rows[spec.title] == 40
    with db.session() as s:
        s.execute(delete(Submission))
    assert _stored() == []
    report = run_import("kobo", out.path, form=FORM, sheet=spec.title if suffix == "xlsx" else None)
    assert (report.imported, report.refused_count) == (40, 0), report.lines()
    assert report.unmapped_columns == []
    assert _stored() == answered
    again = run_import("kobo", out.path, form=FORM, sheet=spec.title if suffix == "xlsx" else None)
    assert (again.imported, again.already) == (0, 40)


def test_submission_workbook_layout(answered, tmp_path):
    spec = forms.by_key(FORM)
    path = export.export_submissions(tmp_path / "答卷.xlsx").path
    wb = load_workbook(path, read_only=True)
    assert spec.title in wb.sheetnames and "说明" in wb.sheetnames
    rows = list(wb[spec.title].iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    concerns = spec["concerns"]
    joined = header.index(concerns.label())
    options = [header.index(f"{concerns.label()}({c.label()})") for c in concerns.choices]
    by_id = {s_[0]: json.loads(s_[2]) for s_ in answered}
    for row in body:
        chosen = by_id[row[0]].get("concerns", [])
        assert [row[j] for j in options] == [int(c.name in chosen) for c in concerns.choices]
        assert (row[joined] or "") == "┋".join(c.label() for c in concerns.choices if c.name in chosen)
    about = [r for r in wb["说明"].iter_rows(values_only=True)]
    assert any(r[0] == "多选题" for r in about)
    assert any(len(r) > 2 and r[0] == spec.title and r[2] == "concerns" for r in about)


def test_csv_holds_one_form_and_opens_in_excel(answered, tmp_path):
    with pytest.raises(ValidationError, match="CSV 文件只能放一张表单"):
        export.export_submissions(tmp_path / "all.csv")
    data = export.export_submissions(tmp_path / "one.csv", forms=[FORM]).path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    assert "答卷编号" in data.decode("utf-8-sig").splitlines()[0]


def test_unknown_form_is_refused(mine, tmp_path):
    with pytest.raises(ValidationError, match="没有表单「nope」"):
        export.export_submissions(tmp_path / "x.xlsx", forms=["nope"])


def _case_rows(s) -> list[tuple]:
    units = {u.id: u.name for u in s.scalars(select(OrgUnit))}
    out = []
    for c in s.scalars(select(Case).order_by(Case.id)):
        who = vault.read_identity(s, c.id, actor="测试", reason="核对往返结果")
        out.append((c.received_on, c.channel, c.intake_mode, units.get(c.unit_id), c.nature, c.category,
                    c.people_count, c.text, who and (who.name, who.staff_no, who.phone)))
    return out


@pytest.fixture
def cases(mine):
    rng = random.Random(11)
    with db.session() as s:
        units = [u.name for u in s.scalars(select(OrgUnit))]
        rows = []
        for i in range(30):
            mode = ["实名", "保密", "匿名"][i % 3]
            identity = None if mode == "匿名" else {"name": f"王{'一二三四五六七八九十'[i % 10]}{i}",
                                                    "staff_no": f"G{1000 + i}", "phone": f"1390000{i:04d}"}
            rows.append(NewCase(text=rng.choice(TEXTS).strip(), received_on=dt.date(2026, 2, 1) + dt.timedelta(i),
                                channel=rng.choice(["来信", "来访", "电话"]), intake_mode=mode, unit=rng.choice(units),
                                nature=rng.choice(["建议意见", "申诉求决"]), category=rng.choice([None, "A01", "B02"]),
                                people_count=rng.choice([1, 1, 3, 6]), identity=identity))
        register_cases(s, rows)
    with db.session() as s:
        return _case_rows(s)


def test_cases_export_then_ledger_import_gives_the_same_records(cases, tmp_path):
    out = export.export_cases(tmp_path / "事项.xlsx", with_identity=True, actor="李主任", role="主任",
                              reason="备份台账")
    assert out.rows == {"信访事项": 30} and out.identities == 20
    with db.session() as s:
        first_new = s.scalar(select(Case.id).order_by(Case.id.desc()).limit(1)) + 1
        audits = s.scalar(select(AuditLog.id).where(AuditLog.actor == "李主任").limit(1))
    assert audits is not None
    report = run_import("ledger", out.path, sheet="信访事项")
    assert (report.imported, report.refused_count) == (30, 0), report.lines()
    with db.session() as s:
        after = _case_rows(s)
        new_ids = list(s.scalars(select(Case.id).where(Case.id >= first_new)))
    assert len(new_ids) == 30
    assert after[30:] == cases
    assert run_import("ledger", out.path, sheet="信访事项").imported == 0


def test_identity_only_for_allowed_roles_and_with_a_reason(cases, tmp_path):
    with pytest.raises(ValidationError, match="「支部书记」角色不能导出身份信息"):
        export.export_cases(tmp_path / "x.xlsx", with_identity=True, actor="书记", role="支部书记", reason="看看")
    with pytest.raises(ValidationError, match="须写明导出人和理由"):
        export.export_cases(tmp_path / "x.xlsx", with_identity=True, actor="李主任", role="主任", reason=" ")
    plain = export.export_cases(tmp_path / "plain.csv")
    text = plain.path.read_bytes().decode("utf-8-sig")
    assert plain.identities == 0 and "王" not in text and "G10" not in text and "1390000" not in text
    assert text.splitlines()[0].startswith("编号,登记日期,单位")
    with db.session() as s:
        logged = list(s.scalars(select(AuditLog).where(AuditLog.actor == "李主任")))
    assert logged == []
