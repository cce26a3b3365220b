"""Forms engine: XLSForm workbooks (survey_forms/) → FormSpec → checked answers → database records.

``load(path)`` reads a workbook with pyxform and refuses a faulty one naming file, sheet, row and
column; ``evaluate_form`` applies skip logic, calculations and checks to answers; ``submit`` writes
a submission with the records its form declares, once per instanceID. No UI imports here.
"""

from __future__ import annotations

from pathlib import Path

from xinfang.config import PROJECT_ROOT
from xinfang.errors import FormDefinitionError
from xinfang.forms.engine import Evaluation, evaluate_form
from xinfang.forms.loader import load, loads
from xinfang.forms.records import Receipt, existing_receipt, new_instance_id, submit
from xinfang.forms.sources import with_choices
from xinfang.forms.spec import LANGUAGES, Choice, Field, FormSpec

FORMS_DIR = PROJECT_ROOT / "survey_forms"


def available(folder: Path | None = None) -> dict[str, Path]:
    """Form key (the file name without .xlsx) → workbook path, for the shipped forms."""
    folder = folder or FORMS_DIR
    return {p.stem: p for p in sorted(Path(folder).glob("*.xlsx")) if not p.name.startswith("~$")}


def by_key(key: str, folder: Path | None = None) -> FormSpec:
    """The shipped form called ``key`` (its file name), loaded and checked.

    The checked spec is cached on disk (run_dir/form-cache), keyed by the workbook's bytes, so a form
    kernel reads a pickle instead of importing pyxform, openpyxl and numpy (~30 MB per kernel, and a
    meeting runs ~70 kernels). The cache is written by this program into its own run folder only."""
    forms = available(folder)
    if key not in forms:
        raise FormDefinitionError("form.unknown_form", key=key, known="、".join(forms) or "（无）")
    return _cached(forms[key])


def _cached(path: Path) -> FormSpec:
    import hashlib
    import pickle

    from xinfang.config import settings

    digest = hashlib.sha256(path.read_bytes() + _CACHE_SALT).hexdigest()[:24]
    cache = Path(settings()["run_dir"]) / "form-cache" / f"{path.stem}-{digest}.pickle"
    if cache.exists():
        try:
            with cache.open("rb") as fh:
                spec = pickle.load(fh)
            if isinstance(spec, FormSpec):
                return spec
        except Exception:  # noqa: BLE001 - a stale or broken cache is simply rebuilt
            pass
    spec = load(path)
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_suffix(".tmp")
        with tmp.open("wb") as fh:
            pickle.dump(spec, fh, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(cache)
    except OSError:
        pass  # a read-only run folder only costs speed
    return spec


# Bump when FormSpec's shape changes, so older cache files are not read.
_CACHE_SALT = b"formspec-2"


def served_on(server: str) -> dict[str, str]:
    """The forms the 'forms' or 'office' server offers (data/servers.yaml): key → hint shown in the menu."""
    import yaml

    from xinfang.config import settings

    path = settings().data_dir / "servers.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else {}
    known = available()
    return {item["form"]: item.get("hint", "") for item in data.get(server, []) if item["form"] in known}


__all__ = ["served_on", "FORMS_DIR", "LANGUAGES", "Choice", "Evaluation", "Field", "FormSpec", "Receipt", "available",
           "by_key", "evaluate_form", "existing_receipt", "load", "loads", "new_instance_id", "submit", "with_choices"]
