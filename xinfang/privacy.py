"""Privacy rules shared by every table, chart and export (DESIGN.md §9).

For now: small-group suppression. A tally cell counting fewer than ``min_size`` distinct people (default
the ``min_group_size`` setting, 5) shows as ``<5``. Where a row or column total is shown and exactly one
cell of that row or column is hidden, the next smallest cell there is hidden too (repeated until nothing
changes), so no hidden value can be recovered by subtracting the visible cells from the total. Totals are
computed by the caller from the true values and kept (unless they themselves count fewer than
``min_size`` people).

``suppress`` takes a numeric table and returns an object table for display; ``hidden_cells`` tells which
cells are hidden (charts draw those as gaps or a hatched "<5" bar instead of a value).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import pandas as pd

from xinfang.errors import ValidationError

TOTAL_LABELS: tuple[str, ...] = ("合计", "总计", "小计", "All", "Total", "total", "all")


def _min_size(min_size: int | None) -> int:
    if min_size is None:
        from xinfang.config import settings

        return int(settings()["min_group_size"])
    return int(min_size)


def enough_respondents(n: int | float | None, *, min_size: int | None = None) -> bool:
    """True when a group of ``n`` respondents is large enough to show results (n ≥ min_size)."""
    if n is None or (isinstance(n, float) and math.isnan(n)):
        return False
    return n >= _min_size(min_size)


def _is_total(label: object, total_labels: Iterable[str]) -> bool:
    labels = set(total_labels)
    if isinstance(label, tuple):
        return any(isinstance(part, str) and part in labels for part in label)
    return isinstance(label, str) and label in labels


def _numeric(table: pd.DataFrame) -> pd.DataFrame:
    out = table.copy()
    for column in out.columns:
        converted = pd.to_numeric(out[column], errors="coerce")
        bad = converted.isna() & out[column].notna()
        if bad.any():
            row = bad[bad].index[0]
            raise ValidationError("privacy.not_numeric", column=column, row=row, value=out.at[row, column])
        out[column] = converted
    return out


def hidden_cells(table: pd.DataFrame | pd.Series, *, min_size: int | None = None,
                 counts: pd.DataFrame | pd.Series | None = None,
                 total_labels: Iterable[str] = TOTAL_LABELS) -> pd.DataFrame:
    """Boolean table, True where a cell must be hidden (primary and complementary suppression).

    ``counts`` (same shape) gives the number of distinct people behind each cell when ``table`` holds
    something else (a mean, a percentage); by default the table's own values are the counts.
    Rows and columns whose label is one of ``total_labels`` (e.g. "合计") are totals.
    """
    frame = table.to_frame() if isinstance(table, pd.Series) else table
    base = counts if counts is not None else frame
    base = base.to_frame() if isinstance(base, pd.Series) else base
    if base.shape != frame.shape:
        raise ValidationError("privacy.shape_mismatch", table_shape=str(frame.shape),
                              counts_shape=str(base.shape))
    n = _numeric(base)
    k = _min_size(min_size)
    values = n.to_numpy(dtype=float, na_value=math.nan)
    rows, cols = values.shape
    total_row = [_is_total(label, total_labels) for label in n.index]
    total_col = [_is_total(label, total_labels) for label in n.columns]

    # Primary suppression: 1 .. k-1 people (zero and missing cells are shown as they are).
    hidden = [[(not math.isnan(v)) and 0 < v < k for v in row] for row in values.tolist()]

    def lines():
        """Each row and column that has a total: (cells of the line, the total cell or None)."""
        for i in range(rows):
            data = [(i, j) for j in range(cols) if not total_col[j]]
            total = [(i, j) for j in range(cols) if total_col[j]]
            yield data, total
        for j in range(cols):
            data = [(i, j) for i in range(rows) if not total_row[i]]
            total = [(i, j) for i in range(rows) if total_row[i]]
            yield data, total

    changed = True
    while changed:
        changed = False
        for data, totals in lines():
            if not totals or not any(not hidden[i][j] for i, j in totals):
                continue  # no visible total on this line: nothing to subtract from
            hidden_here = [(i, j) for i, j in data if hidden[i][j]]
            if len(hidden_here) != 1:
                continue
            candidates = [(values[i][j], i, j) for i, j in data
                          if not hidden[i][j] and not math.isnan(values[i][j])]
            positive = [c for c in candidates if c[0] > 0]
            pool = positive or candidates
            if pool:
                _, i, j = min(pool)
                hidden[i][j] = True
            else:  # the hidden cell is the only one: the total would give it away
                for i, j in totals:
                    hidden[i][j] = True
            changed = True
    return pd.DataFrame(hidden, index=frame.index, columns=frame.columns)


def suppress(table: pd.DataFrame | pd.Series, *, min_size: int | None = None,
             counts: pd.DataFrame | pd.Series | None = None,
             total_labels: Iterable[str] = TOTAL_LABELS) -> pd.DataFrame:
    """The table for display: hidden cells replaced by ``"<{min_size}"`` (object dtype).

    Call it on every tally before it is shown, charted or exported. Numbers stay numbers
    (integers where they are whole), so the result still sorts and exports cleanly.
    """
    frame = table.to_frame() if isinstance(table, pd.Series) else table
    k = _min_size(min_size)
    mask = hidden_cells(frame, min_size=k, counts=counts, total_labels=total_labels)
    shown = frame.astype(object).copy()
    for number in range(shown.shape[1]):
        values = shown.iloc[:, number].tolist()
        hide = mask.iloc[:, number].tolist()
        shown.isetitem(number, pd.Series([f"<{k}" if h else _plain(v) for v, h in zip(values, hide, strict=True)],
                                         index=shown.index, dtype=object))
    return shown


def _plain(value: object) -> object:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if hasattr(value, "item"):  # numpy scalar
        value = value.item()
        if isinstance(value, float) and value.is_integer():
            return int(value)
    return value


__all__ = ["TOTAL_LABELS", "enough_respondents", "hidden_cells", "suppress"]
