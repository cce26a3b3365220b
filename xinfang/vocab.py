"""Controlled vocabularies (channels, intake modes, statuses …) read from data/vocabulary.yaml.

Loaded on first use and cached; a missing list or a malformed file is refused with the file name.
"""

from __future__ import annotations

from functools import cache

import yaml

from xinfang.config import settings
from xinfang.errors import DataFileError


@cache
def _load() -> dict[str, list[str]]:
    path = settings().data_dir / "vocabulary.yaml"
    if not path.exists():
        raise DataFileError("data.file_missing", file=str(path))
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", -1) + 1
        raise DataFileError("data.file_invalid", file=str(path), line=line, problem="YAML 格式错误",
                            fix="检查缩进和冒号", problem_en=str(exc)) from exc
    if not isinstance(data, dict):
        raise DataFileError("data.file_invalid", file=str(path), line=1, problem="内容应为键值表",
                            fix="参照原文件的格式", problem_en="expected a mapping")
    return data


def terms(name: str) -> list[str]:
    """The list of allowed values called ``name`` (e.g. 'channels')."""
    data = _load()
    if name not in data or not isinstance(data[name], list):
        path = settings().data_dir / "vocabulary.yaml"
        raise DataFileError("data.file_invalid", file=str(path), line=0, problem=f"缺少列表 {name}",
                            fix=f"补上 {name} 列表", problem_en=f"missing list {name}")
    return list(data[name])


def version() -> str:
    return str(_load().get("version", ""))


def reset() -> None:
    _load.cache_clear()
