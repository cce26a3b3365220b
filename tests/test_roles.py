"""Roles (data/roles.yaml): which office pages each role may open, and a 支部书记 limited to one branch."""

import shutil

import pytest

from xinfang import config, roles, vocab
from xinfang.errors import DataFileError, ValidationError, message

from .conftest import REPO


def test_every_vocabulary_role_has_rules():
    assert sorted(roles.names()) == sorted(vocab.terms("roles"))
    for rule in roles.rules().values():
        assert "home" in rule.pages and rule.scope in roles.SCOPES


@pytest.mark.parametrize("role,allowed", [
    ("主任", {"overview", "dashboard", "meeting", "report", "cases", "case", "risks", "plans", "warnings", "forms"}),
    ("信访干部", {"overview", "dashboard", "meeting", "report", "cases", "case", "risks", "plans", "warnings", "forms"}),
    ("支部书记", {"meeting", "report"}),
    ("填报", {"forms"}),
])
def test_pages_each_role_may_open(role, allowed):
    opened = {p for p in roles.PAGES if p != "home" and roles.may_open(role, p)}
    assert opened == allowed
    for page in set(roles.PAGES) - allowed - {"home"}:
        with pytest.raises(ValidationError) as info:
            roles.require(role, page)
        assert info.value.zh == message("auth.not_allowed", role=role)


def test_unknown_role_opens_nothing():
    assert not roles.may_open("管理员", "home")
    with pytest.raises(ValidationError):
        roles.require("", "home")


def test_identity_only_for_office_staff():
    assert [r for r in roles.names() if roles.may_see_identity(r)] == ["主任", "信访干部"]


def test_branch_scope_of_each_role():
    assert roles.branch_scope("支部书记", "综采党支部") == "综采党支部"
    assert roles.branch_scope("信访干部", None) is None and roles.branch_scope("主任", "综采党支部") is None
    with pytest.raises(ValidationError) as info:
        roles.branch_scope("支部书记", None, "shuji9")
    assert info.value.code == "auth.no_branch"


@pytest.mark.parametrize("text,problem", [
    ("version: '1'\nroles: {主任: {scope: all, pages: [home]}}\n", "角色应与"),
    ("roles:\n  主任: {scope: all, pages: [home]}\n  信访干部: {scope: mine, pages: [home]}\n"
     "  支部书记: {scope: branch, pages: [home]}\n  填报: {scope: none, pages: [home]}\n", "scope「mine」"),
    ("roles:\n  主任: {scope: all, pages: [home, secrets]}\n  信访干部: {scope: all, pages: [home]}\n"
     "  支部书记: {scope: branch, pages: [home]}\n  填报: {scope: none, pages: [home]}\n", "未知页面 secrets"),
    ("roles: [\n", "YAML"),
])
def test_faulty_roles_file__error(tmp_path, monkeypatch, text, problem):
    shutil.copy(REPO / "data" / "vocabulary.yaml", tmp_path / "vocabulary.yaml")
    (tmp_path / "roles.yaml").write_text(text, encoding="utf-8")
    monkeypatch.setenv("XINFANG_DATA_DIR", str(tmp_path))
    config.reset()
    vocab.reset()
    with pytest.raises(DataFileError) as info:
        roles.rules()
    assert str(tmp_path / "roles.yaml") in info.value.zh and problem in info.value.zh
