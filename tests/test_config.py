"""Settings: one declaration, validated, every setting documented."""

import pytest

from xinfang import config
from xinfang.errors import ConfigError, message

from .conftest import REPO


def test_defaults_give_sqlite_under_data_dir__ok(monkeypatch):
    monkeypatch.delenv("XINFANG_DB_URL")
    s = config.load_settings(env={})
    assert s.db_url == f"sqlite:///{config.PROJECT_ROOT / 'data' / 'xinfang.db'}"
    assert s["forms_port"] != s["office_port"]


def test_environment_value_is_parsed__ok():
    s = config.load_settings(env={"XINFANG_FORMS_PORT": " 9001 ", "XINFANG_OPEN_BROWSER": "no"})
    assert s["forms_port"] == 9001
    assert s["open_browser"] is False


@pytest.mark.parametrize(("env", "value", "expected"), [
    ("XINFANG_FORMS_PORT", "八千", "1 到 65535 之间的整数"),
    ("XINFANG_FORMS_PORT", "70000", "1 到 65535 之间的整数"),
    ("XINFANG_OPEN_BROWSER", "maybe", "true 或 false"),
])
def test_bad_value_names_key_type_and_value__error(env, value, expected):
    with pytest.raises(ConfigError) as info:
        config.load_settings(env={env: value})
    key = env.removeprefix("XINFANG_").lower()
    setting = next(s for s in config.SETTINGS if s.name == key)
    assert str(info.value) == message("config.invalid", key=key, env=env, value=value, expected=expected,
                                      expected_en=setting.parse.expected[1])
    assert key in str(info.value) and value in str(info.value)


def test_unknown_setting__error():
    with pytest.raises(ConfigError) as info:
        config.load_settings(env={}, no_such_thing=1)
    assert info.value.code == "config.unknown"


def test_every_setting_is_documented_in_readme():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    missing = [s.env for s in config.SETTINGS if s.env not in readme]
    assert not missing, f"settings missing from README.md: {missing}"
