"""Every error code the forms engine raises is in the one catalogue, in the house shape."""

import re

from xinfang.config import PROJECT_ROOT
from xinfang.errors import CATALOGUE

SOURCES = [*(PROJECT_ROOT / "xinfang" / "forms").glob("*.py"), PROJECT_ROOT / "widgets" / "form_view.py"]


def test_codes_used_exist__ok():
    found = {code for p in SOURCES for code in re.findall(r'"(form\.[a-z_]+)"', p.read_text(encoding="utf-8"))}
    used = found - {"form.md"}  # the default file name of loads(), not a code
    assert used, "no codes found: the pattern is wrong"
    assert sorted(used - set(CATALOGUE)) == []


def test_messages_about_a_cell_name_file_sheet_row_column__ok():
    for code, entry in CATALOGUE.items():
        if code.startswith("form.") and "{row}" in entry.zh:
            assert entry.zh.startswith("「{file}」"), code
            assert re.search(r"表第 \{row\} 行「\{column\}」列：", entry.zh), code
            assert "请" in entry.zh.split("：", 1)[1], code  # says how to fix it
