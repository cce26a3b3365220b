"""pyproject.toml is the source of truth; environment.yml and constraints.txt follow it."""

import re
import tomllib

import yaml

from .conftest import REPO


def _name(req: str) -> str:
    return re.split(r"[\[<>=!~; ]", req.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _pyproject():
    return tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def test_environment_yml_lists_the_same_dependencies():
    project = _pyproject()
    wanted = {_name(r) for r in project["dependencies"]} | {_name(r) for r in project["optional-dependencies"]["test"]}
    env = yaml.safe_load((REPO / "environment.yml").read_text(encoding="utf-8"))
    listed = set()
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            listed |= {_name(r) for r in dep.get("pip", []) if not r.startswith("-")}
        elif not dep.startswith("python"):
            listed.add(_name(dep))
    assert listed - {"pip"} == wanted, f"only in pyproject: {wanted - listed}; only in environment.yml: {listed - wanted}"


def test_constraints_pin_every_dependency():
    project = _pyproject()
    pins = {}
    for line in (REPO / "constraints.txt").read_text(encoding="utf-8").splitlines():
        if "==" in line:
            name, version = line.split("==", 1)
            pins[_name(name)] = version
    deps = project["dependencies"] + [r for extra in project["optional-dependencies"].values() for r in extra]
    unpinned = [_name(r) for r in deps if _name(r) not in pins]
    assert not unpinned, f"not pinned in constraints.txt: {unpinned}"
