"""Expressions that do not parse are refused with a Chinese detail."""

import pytest

from xinfang.forms.expressions import ExpressionSyntaxError, parse


@pytest.mark.parametrize(("text", "fragment"), [
    ("", "为空"),
    ("${a} =", "不完整"),
    ("(${a} = 1", "缺少「)」"),
    ("${a} = 1)", "多出了"),
    ("${a = 1", "${"),
    ("'unclosed", "引号"),
    ("nosuch(1)", "不支持的函数"),
    ("selected(${a})", "应有 2 个参数"),
    ("if(1, 2)", "应有 3 个参数"),
    ("regex(., '[')", "正则表达式"),
    ("a = 1", "不是题目引用"),
    ("1 # 2", "不能出现"),
    ("${a} == 1", "不应出现"),
])
def test_bad_expressions(text, fragment):
    with pytest.raises(ExpressionSyntaxError) as info:
        parse(text)
    assert fragment in info.value.detail


def test_too_deep_nesting_is_a_syntax_error():
    with pytest.raises(ExpressionSyntaxError) as info:
        parse("(" * 5000 + "1" + ")" * 5000)
    assert "嵌套太深" in info.value.detail


def test_values_no_function_can_use_give_empty_not_a_crash():
    assert parse("substr(${a}, ${b})").evaluate({"a": "abc", "b": "x"}) == ""
    assert parse("round(1.5, 400)").evaluate({}) == ""
