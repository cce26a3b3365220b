"""Questionnaire statistics (员工思想动态问卷): frequencies, satisfaction indices, cross-tabs.

Responses carry no identity: one row per submission with the unit, the day, the Likert items
(1–5) and the multi-select ``concerns`` (the free-text ``remark`` is not read). Every result goes through
:func:`xinfang.privacy.suppress`; a selection with fewer than ``min_group_size`` respondents raises
``survey.too_few`` (人数不足) instead of giving results (DESIGN.md §5, §9).

- ``frequencies``: like 问卷星's 默认报告 — per option the number of respondents and the share of
  respondents (for a multi-select the shares add up to more than 100 %).
- ``satisfaction_index``: per unit (or branch), the mean of the Likert items rescaled to 0–100
  ((mean − 1) ÷ 4 × 100), per item and overall, over units with at least 5 respondents.
- ``crosstab``: like 问卷星's 交叉分析 — rows are the groups of one question (X), columns the options
  of another (Y), each cell the number of respondents and its share of the row (小计 = respondents in
  the row); multi-select questions on either side count a respondent under each option chosen.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from xinfang.errors import ValidationError

FORM_KEY = "sixiang_dongtai"
LIKERT_ITEMS: dict[str, str] = {
    "pay": "工资收入和奖金分配",
    "safety": "井下安全生产条件",
    "canteen": "食堂和班中餐",
    "shift": "排班和休息休假",
    "management": "队组管理和干部作风",
    "ppe": "劳保用品发放",
}
LIKERT_LABELS: dict[int, str] = {5: "很满意", 4: "比较满意", 3: "一般", 2: "不太满意", 1: "很不满意"}
MULTI_ITEMS: dict[str, str] = {"concerns": "最关心的事"}
GROUP_ITEMS: dict[str, str] = {"unit": "单位", "branch": "党支部", "quarter": "季度"}
ITEM_LABELS: dict[str, str] = {**GROUP_ITEMS, **LIKERT_ITEMS, **MULTI_ITEMS}
TOTAL = "合计"
SUBTOTAL = "小计"
N = "人数"
INDEX = "综合指数"


def _k(min_size: int | None) -> int:
    if min_size is not None:
        return int(min_size)
    from xinfang.config import settings

    return int(settings()["min_group_size"])


def _as_list(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [str(v) for v in value if str(v)]
    return [v for v in str(value).split() if v]  # XLSForm stores select_multiple space-separated


def _as_likert(value):
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 1 <= number <= 5 else None


def responses(session, *, start: dt.date | None = None, end: dt.date | None = None,
              form_key: str = FORM_KEY):
    """One row per questionnaire submission (pandas): submitted_on, unit, branch, quarter, the Likert
    items and concerns (list). Only the answers the statistics count are read: nothing links a row to a
    person, and the free-text remark stays in the database (this frame is kept in the dashboard's disk
    cache and in every dashboard kernel)."""
    import pandas as pd
    from sqlalchemy import select

    from xinfang.storage.models import Form, FormVersion, OrgUnit, Submission

    q = (select(Submission.submitted_on, Submission.unit_id, Submission.answers)
         .join(FormVersion, FormVersion.id == Submission.form_version_id)
         .join(Form, Form.id == FormVersion.form_id)
         .where(Form.form_key == form_key))
    if start is not None:
        q = q.where(Submission.submitted_on >= start)
    if end is not None:
        q = q.where(Submission.submitted_on <= end)
    units = {uid: (name, bid) for uid, name, bid in session.execute(
        select(OrgUnit.id, OrgUnit.name, OrgUnit.branch_id))}
    names = {uid: name for uid, (name, _) in units.items()}
    unit_branch = {name: names.get(bid) for name, bid in units.values()}
    rows = []
    for day, unit_id, answers in session.execute(q):
        answers = answers or {}
        unit = answers.get("unit") or names.get(unit_id) or "（未填单位）"
        row = {"submitted_on": day, "unit": unit, "branch": unit_branch.get(unit) or "（未指定支部）",
               "quarter": f"{day.year}Q{(day.month - 1) // 3 + 1}"}
        for item in LIKERT_ITEMS:
            row[item] = _as_likert(answers.get(item))
        for item in MULTI_ITEMS:
            row[item] = _as_list(answers.get(item))
        rows.append(row)
    columns = ["submitted_on", "unit", "branch", "quarter", *LIKERT_ITEMS, *MULTI_ITEMS]
    frame = pd.DataFrame(rows, columns=columns)
    for item in LIKERT_ITEMS:
        frame[item] = pd.to_numeric(frame[item], errors="coerce").astype("Float64")
    return frame


def select_responses(frame, *, units: list[str] | None = None, branch: str | None = None,
                     start: dt.date | None = None, end: dt.date | None = None):
    """The responses matching the filters (no threshold check: see ``require_respondents``)."""
    import pandas as pd

    mask = pd.Series(True, index=frame.index)
    if units is not None:
        mask &= frame["unit"].isin(units)
    if branch is not None:
        mask &= frame["branch"] == branch
    if start is not None:
        mask &= pd.to_datetime(frame["submitted_on"]) >= pd.Timestamp(start)
    if end is not None:
        mask &= pd.to_datetime(frame["submitted_on"]) <= pd.Timestamp(end)
    return frame[mask]


def require_respondents(frame, *, min_size: int | None = None) -> None:
    """Raise ``survey.too_few`` (人数不足) when ``frame`` holds fewer than min_size respondents."""
    from xinfang.privacy import enough_respondents

    k = _k(min_size)
    if not enough_respondents(len(frame), min_size=k):
        raise ValidationError("survey.too_few", k=k)


def _check_item(item: str) -> None:
    if item not in ITEM_LABELS:
        raise ValidationError("survey.unknown_item", item=item, known="、".join(ITEM_LABELS))


def _options(frame, item: str) -> list:
    if item in LIKERT_ITEMS:
        return list(LIKERT_LABELS)
    if item in MULTI_ITEMS:
        from xinfang import demo

        seen = sorted({c for values in frame[item] for c in values})
        return [c for c in demo.CONCERNS if c in seen] + [c for c in seen if c not in demo.CONCERNS]
    return sorted(frame[item].dropna().unique().tolist())


def _option_label(item: str, option) -> str:
    return LIKERT_LABELS[int(option)] if item in LIKERT_ITEMS else str(option)


def _long(frame, item: str):
    """(respondent index, option) pairs: a multi-select gives one pair per option chosen."""
    if item in MULTI_ITEMS:
        pairs = frame[item].explode().dropna()
    else:
        pairs = frame[item].dropna()
        if item in LIKERT_ITEMS:
            pairs = pairs.astype(int)
    return pairs


def frequencies(frame, item: str, *, min_size: int | None = None):
    """Options of ``item`` with 人数 and 比例 (share of respondents), suppressed; raises 人数不足."""
    import pandas as pd

    from xinfang.privacy import suppress

    _check_item(item)
    require_respondents(frame, min_size=min_size)
    pairs = _long(frame, item)
    answered = int(pairs.index.nunique())
    counts = pairs.groupby(pairs).apply(lambda s: s.index.nunique()) if len(pairs) else pd.Series(dtype=int)
    options = _options(frame, item)
    rows = [(_option_label(item, o), int(counts.get(o, 0))) for o in options]
    table = pd.DataFrame(rows, columns=["选项", N]).set_index("选项")
    table.loc[f"本题有效填写{N}", N] = answered
    table[N] = table[N].astype("int64")
    share = (table[N] / answered * 100).round(1) if answered else table[N] * 0.0
    # the respondent total is a total line for a single choice (the cells add up to it)
    total_labels = (f"本题有效填写{N}",) if item not in MULTI_ITEMS else ()
    counts_table = pd.DataFrame({N: table[N], "比例(%)": table[N]})
    shown = pd.DataFrame({N: table[N], "比例(%)": share})
    return suppress(shown, counts=counts_table, min_size=min_size, total_labels=total_labels)


def likert_distribution(frame, *, min_size: int | None = None):
    """Every Likert item (rows) × answer (columns 很满意 … 很不满意) with 合计 = respondents who answered
    the item; suppressed; raises 人数不足 under min_size respondents."""
    import pandas as pd

    from xinfang.privacy import suppress

    require_respondents(frame, min_size=min_size)
    order = sorted(LIKERT_LABELS, reverse=True)
    rows = []
    for item in LIKERT_ITEMS:
        values = frame[item].dropna().astype(int)
        counts = values.value_counts()
        rows.append([int(counts.get(v, 0)) for v in order] + [len(values)])
    table = pd.DataFrame(rows, index=pd.Index(list(LIKERT_ITEMS.values()), name="题目"),
                         columns=[LIKERT_LABELS[v] for v in order] + [TOTAL], dtype="int64")
    return suppress(table, min_size=min_size)


def _scores(frame):
    import pandas as pd

    items = frame[list(LIKERT_ITEMS)].astype(float)
    per_item = (items - 1) / 4 * 100
    return pd.concat([per_item, per_item.mean(axis=1).rename(INDEX)], axis=1)


def satisfaction_index(frame, by: str = "unit", *, min_size: int | None = None, total: bool = True):
    """Satisfaction index 0–100 per group (rows) and item (columns, Chinese labels) plus 综合指数 and
    人数; groups under min_size respondents show as <5 (and complementary cells when a total is
    shown). Raises 人数不足 when the whole selection is under min_size."""
    import pandas as pd

    from xinfang.privacy import suppress

    require_respondents(frame, min_size=min_size)
    scores = _scores(frame)
    scores[by] = frame[by].to_numpy()
    grouped = scores.groupby(by, sort=True)
    means = grouped.mean().round(1)
    sizes = grouped.size()
    if total:
        means.loc[TOTAL] = scores.drop(columns=[by]).mean().round(1)
        sizes.loc[TOTAL] = len(scores)
    means = means.rename(columns=LIKERT_ITEMS)
    table = pd.concat([sizes.rename(N).astype("int64"), means], axis=1)
    table.index.name = ITEM_LABELS.get(by, by)
    counts = pd.DataFrame({c: sizes for c in table.columns}, index=table.index)
    return suppress(table, counts=counts, min_size=min_size)


@dataclass(frozen=True)
class CrossTab:
    """问卷星-style cross-tab: ``counts`` and ``percent`` (of the row's 小计), both suppressed; a row whose
    小计 is hidden has no percentages (None)."""

    row_item: str
    col_item: str
    counts: object   # DataFrame, object dtype ("<5" where hidden)
    percent: object  # DataFrame, object dtype

    def display(self):
        """One table whose cells read like 问卷星's: "12(34.5%)"."""
        out = self.counts.copy()
        for col in out.columns:
            if col == SUBTOTAL:
                continue
            out[col] = [c if isinstance(c, str) else str(c) if p is None else f"{c}({p}%)"
                        for c, p in zip(self.counts[col], self.percent[col], strict=True)]
        return out


def crosstab(frame, row_item: str = "unit", col_item: str = "concerns", *, min_size: int | None = None) -> CrossTab:
    """Rows: groups of ``row_item`` (X); columns: options of ``col_item`` (Y) and 小计 (respondents in
    the row); a 合计 row over all respondents. Multi-select items on either side count a respondent
    under every option chosen."""
    import pandas as pd

    from xinfang.privacy import suppress

    _check_item(row_item)
    _check_item(col_item)
    require_respondents(frame, min_size=min_size)
    rows = _long(frame, row_item)
    cols = _long(frame, col_item)
    pairs = pd.DataFrame({"r": rows}).join(pd.DataFrame({"c": cols}), how="inner")
    row_options = _options(frame, row_item)
    col_options = _options(frame, col_item)
    row_labels = [_option_label(row_item, o) for o in row_options]
    col_labels = [_option_label(col_item, o) for o in col_options]
    table = pd.DataFrame(0, index=row_labels, columns=[*col_labels, SUBTOTAL], dtype="int64")
    for (r, c), grp in pairs.groupby(["r", "c"]):
        table.loc[_option_label(row_item, r), _option_label(col_item, c)] = grp.index.nunique()
    row_n = rows.groupby(rows).apply(lambda s: s.index.nunique())
    for r in row_options:
        table.loc[_option_label(row_item, r), SUBTOTAL] = int(row_n.get(r, 0))
    total_row = [int(pairs[pairs["c"] == c].index.nunique()) for c in col_options] + [int(rows.index.nunique())]
    table.loc[TOTAL] = total_row
    table.index.name = ITEM_LABELS[row_item]
    base = table[SUBTOTAL].replace(0, float("nan"))
    percent = table.div(base, axis=0).mul(100).round(1).fillna(0.0)
    percent[SUBTOTAL] = 100.0
    # cells add up to 小计 only when the column question is single choice: then 小计 is a total
    multi = col_item in MULTI_ITEMS or row_item in MULTI_ITEMS
    labels = (TOTAL,) if multi else (TOTAL, SUBTOTAL)
    counts_shown = suppress(table, min_size=min_size, total_labels=labels)
    # a row of fewer than k respondents shows nothing at all, zeros included (人数不足 for that group)
    k = _k(min_size)
    small = (table[SUBTOTAL] > 0) & (table[SUBTOTAL] < k)
    counts_shown.loc[small[small].index, :] = f"<{k}"
    mask = counts_shown.map(lambda v: isinstance(v, str))
    percent_shown = percent.astype(object).mask(mask, counts_shown)
    # a row's percentages are its counts ÷ its 小计: where the 小计 is hidden (a small row, or the next
    # smallest hidden with it, complementary suppression), its percentages would give it away
    base_hidden = mask[SUBTOTAL] & ~small
    percent_shown.loc[base_hidden[base_hidden].index, :] = None
    return CrossTab(row_item, col_item, counts_shown, percent_shown)


def item_label(item: str) -> str:
    return ITEM_LABELS.get(item, item)


__all__ = ["CrossTab", "FORM_KEY", "ITEM_LABELS", "LIKERT_ITEMS", "LIKERT_LABELS", "MULTI_ITEMS", "crosstab",
           "frequencies", "item_label", "likert_distribution", "require_respondents", "responses", "satisfaction_index",
           "select_responses"]
