"""Roles on the office server: which pages a role may open and how far its data reaches (DESIGN.md §9).

The rules are data (``data/roles.yaml``); role names are the vocabulary's ``roles``. A 支部书记 (scope
``branch``) sees only their own 党支部: ``limit_options`` and ``limit_filters`` pin every dashboard
query to that branch, whatever a page or a client asks for.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import yaml

from xinfang.config import settings
from xinfang.errors import DataFileError, ValidationError

PAGES = ("home", "overview", "dashboard", "meeting", "report", "cases", "case", "risks", "plans", "warnings",
         "forms")
SCOPES = ("all", "branch", "none")


@dataclass(frozen=True)
class RoleRule:
    role: str
    scope: str
    pages: tuple[str, ...]


def _bad(path, problem: str, fix: str) -> DataFileError:
    return DataFileError("data.file_invalid", file=str(path), line=0, problem=problem, fix=fix, problem_en=problem)


@cache
def _load(path_text: str) -> dict[str, RoleRule]:
    from pathlib import Path

    from xinfang import vocab

    path = Path(path_text)
    if not path.exists():
        raise DataFileError("data.file_missing", file=str(path))
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", -1) + 1
        raise DataFileError("data.file_invalid", file=str(path), line=line, problem="YAML 格式错误",
                            fix="检查缩进和冒号", problem_en=str(exc)) from exc
    roles = data.get("roles") if isinstance(data, dict) else None
    if not isinstance(roles, dict):
        raise _bad(path, "缺少 roles 表", "参照原文件补上 roles")
    known = vocab.terms("roles")
    if sorted(roles) != sorted(known):
        raise _bad(path, f"角色应与 vocabulary.yaml 的 roles 一致（{'、'.join(known)}）", "补上或删去角色")
    out = {}
    for role, rule in roles.items():
        scope = (rule or {}).get("scope")
        pages = (rule or {}).get("pages") or []
        if scope not in SCOPES:
            raise _bad(path, f"角色 {role} 的 scope「{scope}」无效", f"写成 {' / '.join(SCOPES)} 之一")
        unknown = [p for p in pages if p not in PAGES]
        if unknown:
            raise _bad(path, f"角色 {role} 有未知页面 {'、'.join(map(str, unknown))}", f"只用 {', '.join(PAGES)}")
        out[role] = RoleRule(role, scope, tuple(pages))
    return out


def rules() -> dict[str, RoleRule]:
    return _load(str(settings().data_dir / "roles.yaml"))


def reset() -> None:
    _load.cache_clear()


def names() -> list[str]:
    return list(rules())


def rule(role: str) -> RoleRule:
    try:
        return rules()[role]
    except KeyError:
        raise ValidationError("user.bad_role", role=role, known="、".join(rules())) from None


def may_open(role: str, page: str) -> bool:
    return role in rules() and page in rules()[role].pages


def require(role: str, page: str) -> None:
    """Refuse ``page`` to ``role`` with the catalogue's message."""
    if not may_open(role, page):
        raise ValidationError("auth.not_allowed", role=role)


def may_see_identity(role: str | None) -> bool:
    """Whether ``role`` may look at identity (the vocabulary's identity_roles; every look is audited)."""
    from xinfang import vocab

    return role in vocab.terms("identity_roles")


def branch_scope(role: str, branch: str | None, username: str = "") -> str | None:
    """The one 党支部 a user is limited to, or None for the whole mine."""
    if rule(role).scope != "branch":
        return None
    if not branch:
        raise ValidationError("auth.no_branch", user=username)
    return branch


def limit_options(options: dict, branch: str | None) -> dict:
    """Dashboard filter choices (xinfang.dashboard.options) cut down to one branch and its units."""
    if branch is None:
        return options
    units = list(options["units"].get(branch, []))
    return {**options, "branches": [branch], "units": {branch: units}, "all_units": units}


def limit_filters(filters, branch: str | None, options: dict):
    """Dashboard filters pinned to ``branch``: the branch is forced, a unit of another branch refused
    (``options`` are the dashboard's filter choices, which say which units belong to which branch)."""
    if branch is None:
        return filters
    if filters.unit is not None and filters.unit not in options["units"].get(branch, []):
        raise ValidationError("dashboard.unknown_choice", field="单位", value=filters.unit)
    return filters.with_(branch=branch)


__all__ = ["PAGES", "SCOPES", "RoleRule", "branch_scope", "limit_filters", "limit_options", "may_open",
           "may_see_identity", "names", "require", "reset", "rule", "rules"]
