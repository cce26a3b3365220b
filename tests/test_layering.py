"""The core library never imports UI packages; the form kernel stays light."""

import ast
import subprocess
import sys

from .conftest import REPO

UI = {"ipywidgets", "IPython", "voila", "widgets"}


def _imports(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node, alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node, node.module.split(".")[0]


def test_core_never_imports_ui_packages():
    bad = [f"{p.relative_to(REPO)}:{node.lineno} imports {name}"
           for p in (REPO / "xinfang").rglob("*.py") for node, name in _imports(p) if name in UI]
    assert not bad, bad


def test_plotly_only_in_the_figure_module_and_lazily():
    for p in (REPO / "xinfang").rglob("*.py"):
        for node, name in _imports(p):
            if name == "plotly":
                assert p.name == "charts.py", f"{p} imports plotly"
                assert node.col_offset > 0, f"{p}:{node.lineno} imports plotly at module level"


def test_form_page_kernel_imports_neither_pandas_nor_plotly():
    code = ("import sys, widgets.pages, xinfang.cases, xinfang.storage; widgets.pages.prepare('forms');"
            "print(sorted(m for m in ('pandas', 'plotly', 'sklearn', 'jieba') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    assert out.stdout.strip() == "[]", out.stdout
