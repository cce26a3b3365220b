"""Small forms written as Markdown tables (pyxform's test format), one feature each."""

import textwrap

from xinfang.forms import loads

SETTINGS = """
| settings |
|          | form_title | form_id | version | xf_record | {extra_head}
|          | 测试表单   | {form_id} | {version} | {record} | {extra_val}
"""


def form(survey: str, choices: str = "", *, record: str = "none", version: str = "1", form_id: str = "test_form",
         settings_extra: dict | None = None, file: str = "test.md"):
    extra = settings_extra or {}
    head = "".join(f"{k} | " for k in extra)
    val = "".join(f"{v} | " for v in extra.values())
    md = (textwrap.dedent(survey) + textwrap.dedent(choices)
          + SETTINGS.format(form_id=form_id, version=version, record=record, extra_head=head, extra_val=val))
    return loads(md, file=file)
