"""Kobo and ODK Central exports: answers by question name, anonymity, instanceID idempotency."""

import datetime as dt
import json

import pytest
from sqlalchemy import select

from tests.imports.builders import (
    KOBO_PRIVATE_VALUES,
    WJX_ANSWERS,
    expected_answers,
    kobo_export,
    odk_central_csv,
    write_csv,
    write_xlsx,
)
from tests.imports.conftest import count, every_stored_text, submissions
from xinfang.errors import ValidationError
from xinfang.imports import kobo, run_import
from xinfang.storage import db
from xinfang.storage.models import Case, PiiVault, Submission

FORM = "sixiang_dongtai"


def _stored():
    return sorted((s.instance_id, s.submitted_on, json.dumps(s.answers, sort_keys=True, ensure_ascii=False))
                  for s in submissions())


def _expected():
    return sorted((f"uuid:0b1c2d3e-0000-4000-8000-00000000000{i}",
                   dt.date.fromisoformat(a["meta"][1][:10].replace("/", "-")),
                   json.dumps(expected_answers(a), sort_keys=True, ensure_ascii=False))
                  for i, a in enumerate(WJX_ANSWERS))


@pytest.mark.parametrize("writer", [write_xlsx, write_csv])
def test_kobo_export(mine, tmp_path, writer):
    path = writer(tmp_path / ("kobo.xlsx" if writer is write_xlsx else "kobo.csv"), kobo_export())
    report = run_import("kobo", path, form=FORM)
    assert (report.read, report.imported, report.refused_count) == (3, 3, 0), report.lines()
    assert _stored() == _expected()
    assert report.mapping["satisfaction/pay"] == "pay"


def test_kobo_export_with_option_columns_only(mine, tmp_path):
    rows = kobo_export()
    drop = rows[0].index("concerns")
    rows = [r[:drop] + r[drop + 1:] for r in rows]
    assert run_import("kobo", write_xlsx(tmp_path / "k.xlsx", rows), form=FORM).imported == 3
    assert _stored() == _expected()


def test_odk_central_csv(mine, tmp_path):
    report = run_import("odk", write_csv(tmp_path / "central.csv", odk_central_csv()), form=FORM)
    assert report.imported == 3, report.lines()
    assert _stored() == _expected()


def test_anonymous_import_keeps_none_of_the_device_or_person_fields(mine, tmp_path):
    run_import("kobo", write_xlsx(tmp_path / "k.xlsx", kobo_export()), form=FORM)
    report = run_import("kobo", write_csv(tmp_path / "c.csv", odk_central_csv()), form=FORM)
    for column in ("start", "end", "deviceid"):
        assert column in report.dropped_columns
    stored = every_stored_text(mine)
    for value in KOBO_PRIVATE_VALUES:
        assert value not in stored, value
    assert "01:21:33" not in stored  # submission time: the day only


def test_a_stored_submission_is_not_stored_again(mine, tmp_path):
    """Kobo's _uuid and Central's KEY name the same submission; reruns and both exports store it once."""
    run_import("kobo", write_xlsx(tmp_path / "k.xlsx", kobo_export()), form=FORM)
    again = run_import("kobo", write_xlsx(tmp_path / "k.xlsx", kobo_export()), form=FORM)
    central = run_import("kobo", write_csv(tmp_path / "c.csv", odk_central_csv()), form=FORM)
    assert (again.imported, again.already, central.imported, central.already) == (0, 3, 0, 3)
    assert count(Submission) == 3


def test_submission_day_is_the_mines_day():
    assert kobo.submission_day("2026-10-12T17:30:00") == dt.date(2026, 10, 13)  # Kobo: UTC
    assert kobo.submission_day("2026-10-12T01:21:33.000Z") == dt.date(2026, 10, 12)
    assert kobo.submission_day(dt.datetime(2026, 10, 12, 20, 0)) == dt.date(2026, 10, 13)


def test_case_form_registers_cases_with_identity_in_the_vault(mine, tmp_path):
    header = ["start", "end", "intake_mode", "name", "staff_no", "phone", "unit", "channel", "nature", "content",
              "is_group", "_uuid", "_submission_time", "_submitted_by"]
    rows = [header,
            ["2026-10-01T08:00:00", "2026-10-01T08:05:00", "实名", "王建国", "A1023", "13800001111", "更新队", "网上",
             "申诉求决", "井下津贴拖欠三个月了", "no", "11111111-2222-4333-8444-555555555555",
             "2026-10-01T00:05:00", "clerk"],
            ["2026-10-02T08:00:00", "2026-10-02T08:05:00", "匿名", "", "", "", "综采一队", "意见箱", "建议意见",
             "班中餐希望增加品种", "no", "11111111-2222-4333-8444-666666666666", "2026-10-02T00:05:00", "clerk"]]
    path = write_csv(tmp_path / "suqiu.csv", rows)
    report = run_import("kobo", path, form="suqiu_dengji")
    assert (report.imported, report.cases) == (2, 2), report.lines()
    assert run_import("kobo", path, form="suqiu_dengji").already == 2
    assert count(Case) == 2
    with db.session() as s:
        assert list(s.scalars(select(PiiVault.name))) == ["王建国"]
        assert "王建国" not in json.dumps([x.answers for x in s.scalars(select(Submission))], ensure_ascii=False)
        assert "王建国" not in " ".join(s.scalars(select(Case.text)))


def test_export_without_ids_is_refused(mine, tmp_path):
    rows = [r[:4] + r[4:12] for r in kobo_export()]
    with pytest.raises(ValidationError) as err:
        run_import("kobo", write_xlsx(tmp_path / "k.xlsx", rows), form=FORM)
    assert err.value.code == "import.missing_column"


def test_kobo_semicolon_csv(mine, tmp_path):
    import csv

    path = tmp_path / "kobo_semicolon.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, delimiter=";").writerows(kobo_export())
    assert run_import("kobo", path, form=FORM).imported == 3
    assert _stored() == _expected()
