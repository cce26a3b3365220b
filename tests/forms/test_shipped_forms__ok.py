"""The six forms shipped in survey_forms/: they load, their review copies match, they write records."""

import datetime as dt

import pytest
from sqlalchemy import select

from xinfang import demo, forms
from xinfang.forms import loads, new_instance_id, submit
from xinfang.forms.workbook import sheets_of, to_markdown
from xinfang.storage import db
from xinfang.storage.models import Activity, Case, FollowUpVisit, PiiVault, RiskItem, Submission

TODAY = dt.date(2026, 11, 20)
SHIPPED = {"sixiang_dongtai": "none", "xiafang_zuotan": "activity+cases", "suqiu_dengji": "case",
           "xuanjiang_peixun": "activity", "yirenyice_huifang": "visit", "buwending_paicha": "risk"}


def test_all_six_forms_ship_and_load__ok():
    assert set(forms.available()) == set(SHIPPED)
    for key, record in SHIPPED.items():
        spec = forms.by_key(key)
        assert spec.key == key and spec.record == record and spec.version
        assert spec.languages == ("zh-Hans", "zh-Hant", "en")
        for f in spec.walk():
            if f.kind != "calculate":
                assert set(f.labels) == {"zh-Hans", "zh-Hant", "en"}, (key, f.name)


@pytest.mark.parametrize("key", sorted(SHIPPED))
def test_markdown_copy_matches_the_workbook__ok(key):
    xlsx = forms.available()[key]
    md = xlsx.with_suffix(".md").read_text(encoding="utf-8")
    assert md == to_markdown(sheets_of(xlsx), xlsx.name), "run scripts/build_survey_forms.py --markdown"
    from_md, from_xlsx = loads(md, file=xlsx.name), forms.load(xlsx)
    assert [(f.name, f.kind, f.row, f.target, dict(f.labels)) for f in from_md.walk()] == \
           [(f.name, f.kind, f.row, f.target, dict(f.labels)) for f in from_xlsx.walk()]


def test_questionnaire_lines_up_with_the_demo_data__ok():
    spec = forms.by_key(demo.QUESTIONNAIRE_KEY)
    assert spec.anonymous and not any(t.startswith("identity.") for t in spec.targets)
    names = {f.name for f in spec.walk()}
    assert {"unit", "concerns", "remark", *demo.LIKERT_ITEMS} <= names
    for item in demo.LIKERT_ITEMS:
        assert spec[item].numeric_choices and {c.name for c in spec[item].choices} == {"1", "2", "3", "4", "5"}
    assert [c.name for c in spec["concerns"].choices] == list(demo.CONCERNS)
    assert {c.name for c in spec["unit"].choices} == set(demo.mine()["units"])


ANSWERS = {
    "sixiang_dongtai": {"unit": "更新队", "pay": "2", "safety": "4", "canteen": "3", "shift": "2",
                        "management": "3", "ppe": "1", "concerns": ["收入分配", "劳保用品"],
                        "remark": "精益奖金分配差距比较大"},
    "xiafang_zuotan": {"kind": "牢骚会", "held_on": "2026-11-18", "unit": "更新队", "host": "郜主任",
                       "participants": 66, "demands": [
                           {"demand_text": "精益奖金分配差距比较大", "topic": "C01", "people": 12, "on_spot": "no",
                            "follow_up_by": "李干事"},
                           {"demand_text": "矿靴发放不及时", "topic": "C07", "people": 1, "on_spot": "yes",
                            "reply": "本月底前补发"}]},
    "suqiu_dengji": {"intake_mode": "保密", "name": "王建国", "staff_no": "A10023", "phone": "13912345678",
                     "unit": "机电队", "channel": "网上", "nature": "申诉求决", "content": "夜班费连续两个月少算",
                     "is_group": "no"},
    "xuanjiang_peixun": {"kind": "培训", "held_on": "2026-11-10", "title": "调解员矛盾化解培训",
                         "topics": ["矛盾调解", "信访工作条例"], "audience": "调解员", "sessions": 2,
                         "participants": 48},
    "yirenyice_huifang": {"visited_on": "2026-11-19", "way": "上门走访", "visitor": "王干事", "mood": "好转",
                          "notes": "工伤待遇已落实，情绪好转", "plan_status": "跟进中", "next_on": "2026-12-19"},
    "buwending_paicha": {"unit": "综采一队", "found_on": "2026-11-15", "source": "重点摸排",
                         "issue": "工作面接续紧张，连续加班，部分职工有怨气", "people_count": 20, "level": "较大",
                         "measures": "调整排班，队长每周谈心", "owner": "李干事", "deadline": "2026-12-15",
                         "status": "在控"},
}


@pytest.mark.parametrize("key", sorted(SHIPPED))
def test_shipped_form_writes_its_records__ok(mine, key):
    spec = forms.by_key(key)
    answers = dict(ANSWERS[key])
    if key == "yirenyice_huifang":
        answers["plan"] = mine.plan_id
    with db.session(mine) as s:
        r = submit(s, spec, answers, new_instance_id(), today=TODAY)
    with db.session(mine) as s:
        sub = s.get(Submission, r.submission_id)
        cases = s.scalars(select(Case)).all()
        if key == "sixiang_dongtai":
            assert sub.answers["pay"] == 2 and sub.answers["concerns"] == ["收入分配", "劳保用品"]
            assert not cases and r.text.startswith("提交成功")
        if key == "xiafang_zuotan":
            assert len(cases) == 2 and {c.category for c in cases} == {"C01", "C07"}
            assert all(c.source_activity_id == r.activity_id for c in cases) and cases[0].people_count == 12
        if key == "suqiu_dengji":
            assert len(cases) == 1 and cases[0].intake_mode == "保密" and r.cases[0].query_code in r.text
            assert s.scalar(select(PiiVault.staff_no).where(PiiVault.case_id == cases[0].id)) == "A10023"
            assert "王建国" not in str(sub.answers)
        if key == "xuanjiang_peixun":
            a = s.get(Activity, r.activity_id)
            assert (a.kind, a.sessions, a.participants, a.audience, a.topics) == (
                "培训", 2, 48, "调解员", ["信访工作条例", "矛盾调解"])  # in the order of the choices
        if key == "yirenyice_huifang":
            assert s.get(FollowUpVisit, r.visit_id).next_on == dt.date(2026, 12, 19)
        if key == "buwending_paicha":
            assert s.get(RiskItem, r.risk_id).level == "较大"


def test_the_staff_guide_lists_every_target__ok():
    from xinfang.forms.targets import RECORDS, TARGETS

    guide = (forms.FORMS_DIR / "README.md").read_text(encoding="utf-8")
    assert [t for t in TARGETS if f"| `{t}` |" not in guide] == []
    assert [r for r in RECORDS if f"`{r}`" not in guide] == []
