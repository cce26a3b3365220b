"""XLSForm expressions: a tokenizer, a recursive-descent parser to an AST, and an evaluator.

We write this ourselves because no maintained Python library evaluates XLSForm expressions against a
dict of answers: pyxform only rewrites them into XForm text for ODK's Java or JavaScript engines, and
XPath libraries such as elementpath evaluate against XML documents, without ``${name}`` references
or the ODK functions (selected, count-selected, regex, coalesce …). Form text is never handed to Python's ``eval``: it becomes a small tree of tuples that
only the functions below can interpret.

Semantics follow XPath 1.0 closely enough for XLSForm use: an unanswered question is the empty
string; ``=`` between a number and a string compares numbers; ``<`` ``>`` compare numbers (dates
count as days since 1970-01-01); a select_multiple answer is a list (or the XForm space-separated
string) and ``selected()`` looks inside it.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache

_EPOCH = dt.date(1970, 1, 1)


class ExpressionSyntaxError(ValueError):
    """An expression does not parse. ``detail`` is Chinese, for the catalogue message."""

    def __init__(self, detail: str, position: int) -> None:
        super().__init__(detail)
        self.detail = detail
        self.position = position


# -- tokens -------------------------------------------------------------------------------------

_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<ref>\$\{\s*(?P<refname>[A-Za-z_\u4e00-\u9fff][\w.\-\u4e00-\u9fff]*)\s*\})
  | (?P<num>\d+(?:\.\d*)?|\.\d+)
  | (?P<str>'[^']*'|"[^"]*")
  | (?P<op><=|>=|!=|=|<|>|\+|-|\*|\||\(|\)|,)
  | (?P<dot>\.)
  | (?P<name>[A-Za-z_][\w\-]*(?::[A-Za-z_][\w\-]*)?)
""", re.VERBOSE)


@dataclass(frozen=True)
class Token:
    kind: str  # ref, num, str, op, dot, name, end
    value: str
    pos: int


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            ch = text[pos]
            if ch in "'\"":
                raise ExpressionSyntaxError("引号没有配对", pos)
            if text.startswith("${", pos):
                raise ExpressionSyntaxError("「${」后应为题目名称和「}」", pos)
            raise ExpressionSyntaxError(f"第 {pos + 1} 个字符「{ch}」不能出现在表达式里", pos)
        kind = m.lastgroup if m.lastgroup != "refname" else "ref"
        if kind == "ref":
            tokens.append(Token("ref", m.group("refname"), pos))
        elif kind == "str":
            tokens.append(Token("str", m.group()[1:-1], pos))
        elif kind != "ws":
            tokens.append(Token(kind, m.group(), pos))
        pos = m.end()
    tokens.append(Token("end", "", len(text)))
    return tokens


# -- parser -------------------------------------------------------------------------------------
# AST nodes are tuples: ("num", float) ("str", s) ("ref", name) ("dot",) ("call", fname, args)
# ("neg", x) ("bin", op, left, right).

_BINARY = [  # lowest precedence first
    {"or"},
    {"and"},
    {"=", "!="},
    {"<", "<=", ">", ">="},
    {"+", "-"},
    {"*", "div", "mod"},
]


class _Parser:
    def __init__(self, text: str, columns: bool = False) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.i = 0
        self.columns = columns  # choice_filter: a bare name is a column of the choices sheet

    def peek(self) -> Token:
        return self.tokens[self.i]

    def take(self) -> Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def is_op(self, tok: Token, ops: set[str]) -> bool:
        return (tok.kind == "op" and tok.value in ops) or (tok.kind == "name" and tok.value in ops
                                                          and tok.value in {"or", "and", "div", "mod"})

    def parse(self):
        if self.peek().kind == "end":
            raise ExpressionSyntaxError("表达式为空", 0)
        node = self.binary(0)
        tok = self.peek()
        if tok.kind != "end":
            raise ExpressionSyntaxError(f"第 {tok.pos + 1} 个字符处多出了「{tok.value}」", tok.pos)
        return node

    def binary(self, level: int):
        if level == len(_BINARY):
            return self.unary()
        node = self.binary(level + 1)
        while self.is_op(self.peek(), _BINARY[level]):
            op = self.take().value
            node = ("bin", op, node, self.binary(level + 1))
        return node

    def unary(self):
        if self.is_op(self.peek(), {"-"}):
            self.take()
            return ("neg", self.unary())
        return self.primary()

    def primary(self):
        tok = self.take()
        if tok.kind == "num":
            return ("num", float(tok.value))
        if tok.kind == "str":
            return ("str", tok.value)
        if tok.kind == "ref":
            return ("ref", tok.value)
        if tok.kind == "dot":
            return ("dot",)
        if tok.kind == "op" and tok.value == "(":
            node = self.binary(0)
            self.expect(")")
            return node
        if tok.kind == "name" and self.peek().kind == "op" and self.peek().value == "(":
            self.take()
            args = []
            if not (self.peek().kind == "op" and self.peek().value == ")"):
                args.append(self.binary(0))
                while self.peek().kind == "op" and self.peek().value == ",":
                    self.take()
                    args.append(self.binary(0))
            self.expect(")")
            return self.call(tok, args)
        if tok.kind == "end":
            raise ExpressionSyntaxError("表达式不完整（结尾缺少内容或括号）", tok.pos)
        if tok.kind == "name" and self.columns:
            return ("col", tok.value)
        if tok.kind == "name":
            raise ExpressionSyntaxError(
                f"「{tok.value}」不是题目引用；引用题目请写成 ${{{tok.value}}}，文字请加引号", tok.pos)
        raise ExpressionSyntaxError(f"第 {tok.pos + 1} 个字符处不应出现「{tok.value}」", tok.pos)

    def expect(self, value: str) -> None:
        tok = self.peek()
        if tok.kind == "op" and tok.value == value:
            self.take()
            return
        raise ExpressionSyntaxError(f"第 {tok.pos + 1} 个字符处缺少「{value}」", tok.pos)

    def call(self, tok: Token, args: list):
        name = tok.value
        if name not in FUNCTIONS:
            raise ExpressionSyntaxError(f"不支持的函数「{name}()」", tok.pos)
        lo, hi, _ = FUNCTIONS[name]
        if not lo <= len(args) <= hi:
            want = str(lo) if lo == hi else f"{lo} 到 {hi}" if hi < 99 else f"至少 {lo}"
            raise ExpressionSyntaxError(f"函数「{name}()」应有 {want} 个参数，这里有 {len(args)} 个", tok.pos)
        if name == "regex" and args[1][0] == "str":
            try:
                re.compile(args[1][1])
            except re.error as exc:
                raise ExpressionSyntaxError(f"正则表达式「{args[1][1]}」有误（{exc.msg}）", tok.pos) from exc
        return ("call", name, tuple(args))


@dataclass(frozen=True)
class Expression:
    """A parsed expression: its source text, its tree, and the questions it refers to."""

    source: str
    tree: tuple

    @property
    def columns(self) -> frozenset[str]:
        """Choice-sheet columns named in a choice_filter."""
        return frozenset(n[1] for n in _nodes(self.tree) if n[0] == "col")

    @property
    def references(self) -> frozenset[str]:
        return frozenset(n[1] for n in _nodes(self.tree) if n[0] == "ref")

    def evaluate(self, answers: Mapping[str, object], current: object = "", *,
                 today: dt.date | None = None, row: Mapping[str, object] | None = None) -> object:
        """The value of the expression; a value no function can work with (NaN index …) gives ''."""
        try:
            return evaluate(self.tree, _Context(answers, current, today or dt.date.today(), row or {}))
        except (ValueError, TypeError, OverflowError, ZeroDivisionError, RecursionError):
            return ""

    def truth(self, answers: Mapping[str, object], current: object = "", *, today: dt.date | None = None,
              row: Mapping[str, object] | None = None) -> bool:
        return to_bool(self.evaluate(answers, current, today=today, row=row))


def _nodes(node: tuple):
    yield node
    for part in node[1:]:
        if isinstance(part, tuple) and part and isinstance(part[0], str):
            yield from _nodes(part)
        elif isinstance(part, tuple):
            for sub in part:
                if isinstance(sub, tuple):
                    yield from _nodes(sub)


@lru_cache(maxsize=4096)
def parse(text: str, columns: bool = False) -> Expression:
    """Parse ``text``; raises ExpressionSyntaxError with a Chinese detail and a position.

    ``columns=True`` (for choice_filter) reads a bare name as a column of the choices sheet."""
    try:
        return Expression(str(text), _Parser(str(text), columns).parse())
    except RecursionError:
        raise ExpressionSyntaxError("括号或运算嵌套太深", 0) from None


# -- values -------------------------------------------------------------------------------------


def to_number(v: object) -> float:
    if isinstance(v, bool):
        return 1.0 if v else 0.0
    if isinstance(v, int | float):
        return float(v)
    if isinstance(v, dt.datetime):
        return (v - dt.datetime(1970, 1, 1)).total_seconds() / 86400
    if isinstance(v, dt.date):
        return float((v - _EPOCH).days)
    if isinstance(v, list | tuple):
        return to_number(v[0]) if len(v) == 1 else math.nan
    s = str(v or "").strip()
    if re.fullmatch(r"-?(\d+(\.\d*)?|\.\d+)", s):
        return float(s)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", s):
        try:
            return to_number(dt.date.fromisoformat(s))
        except ValueError:
            return math.nan
    return math.nan


def to_string(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        if math.isnan(v):
            return "NaN"
        if math.isinf(v):
            return "Infinity" if v > 0 else "-Infinity"
        return str(int(v)) if v.is_integer() else repr(v)
    if isinstance(v, dt.datetime):
        return v.isoformat(timespec="seconds")
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, list | tuple):
        return " ".join(to_string(x) for x in v)
    return str(v)


def to_bool(v: object) -> bool:
    if isinstance(v, bool):
        return v
    if isinstance(v, int | float):
        return not (v == 0 or math.isnan(v))
    if isinstance(v, list | tuple):
        return len(v) > 0
    return to_string(v) != ""


def _items(v: object) -> list[str]:
    if isinstance(v, list | tuple):
        return [to_string(x) for x in v]
    return to_string(v).split()


# -- evaluation ---------------------------------------------------------------------------------


@dataclass
class _Context:
    answers: Mapping[str, object]
    current: object
    today: dt.date
    row: Mapping[str, object]


def _compare(op: str, a: object, b: object) -> bool:
    if op in {"=", "!="}:
        if isinstance(a, bool) or isinstance(b, bool):
            same = to_bool(a) == to_bool(b)
        elif isinstance(a, int | float) or isinstance(b, int | float):
            same = to_number(a) == to_number(b)
        else:
            same = to_string(a) == to_string(b)
        return same if op == "=" else not same
    x, y = to_number(a), to_number(b)
    if math.isnan(x) or math.isnan(y):
        return False
    return {"<": x < y, "<=": x <= y, ">": x > y, ">=": x >= y}[op]


def _arith(op: str, a: object, b: object) -> float:
    x, y = to_number(a), to_number(b)
    if op == "+":
        return x + y
    if op == "-":
        return x - y
    if op == "*":
        return x * y
    if op == "div":
        if y == 0:
            return math.nan if x == 0 or math.isnan(x) else math.copysign(math.inf, x)
        return x / y
    if y == 0 or math.isnan(x) or math.isnan(y):  # mod
        return math.nan
    return math.fmod(x, y)


def evaluate(node: tuple, ctx: _Context) -> object:
    kind = node[0]
    if kind in {"num", "str"}:
        return node[1]
    if kind == "ref":
        v = ctx.answers.get(node[1], "")
        return "" if v is None else v
    if kind == "col":
        v = ctx.row.get(node[1], "")
        return "" if v is None else v
    if kind == "dot":
        return "" if ctx.current is None else ctx.current
    if kind == "neg":
        return -to_number(evaluate(node[1], ctx))
    if kind == "bin":
        op, left, right = node[1], node[2], node[3]
        if op == "or":
            return to_bool(evaluate(left, ctx)) or to_bool(evaluate(right, ctx))
        if op == "and":
            return to_bool(evaluate(left, ctx)) and to_bool(evaluate(right, ctx))
        a, b = evaluate(left, ctx), evaluate(right, ctx)
        if op in {"=", "!=", "<", "<=", ">", ">="}:
            return _compare(op, a, b)
        return _arith(op, a, b)
    if kind == "call":
        name, args = node[1], node[2]
        if name == "if":  # lazy
            return evaluate(args[1], ctx) if to_bool(evaluate(args[0], ctx)) else evaluate(args[2], ctx)
        return FUNCTIONS[name][2](ctx, *(evaluate(a, ctx) for a in args))
    raise AssertionError(node)


def _regex(ctx, s, pattern) -> bool:
    try:
        return re.search(to_string(pattern), to_string(s)) is not None
    except re.error:
        return False


def _round(ctx, x, digits=0.0) -> float:
    n, d = to_number(x), int(to_number(digits) or 0)
    if math.isnan(n) or math.isinf(n):
        return n
    f = 10 ** d
    return math.floor(n * f + 0.5) / f


def _int(ctx, x) -> float:
    n = to_number(x)
    return n if math.isnan(n) or math.isinf(n) else float(math.trunc(n))


def _substr(ctx, s, start, end=None) -> str:
    text = to_string(s)
    a = int(to_number(start))
    return text[a:] if end is None else text[a:int(to_number(end))]


def _sum(ctx, v) -> float:
    return float(sum(to_number(x) for x in (v if isinstance(v, list | tuple) else [v]) if to_string(x) != ""))


def _count(ctx, v) -> float:
    if isinstance(v, list | tuple):
        return float(len(v))
    return 0.0 if to_string(v) == "" else 1.0


Fn = Callable[..., object]
# name -> (min args, max args, implementation)
FUNCTIONS: dict[str, tuple[int, int, Fn]] = {
    "selected": (2, 2, lambda ctx, v, c: to_string(c).strip() in _items(v)),
    "count-selected": (1, 1, lambda ctx, v: float(len(_items(v)))),
    "selected-at": (2, 2, lambda ctx, v, i: (_items(v) + [""] * 999)[int(to_number(i))]
                    if 0 <= to_number(i) < len(_items(v)) else ""),
    "string-length": (1, 1, lambda ctx, v: float(len(to_string(v)))),
    "regex": (2, 2, _regex),
    "today": (0, 0, lambda ctx: ctx.today),
    "now": (0, 0, lambda ctx: dt.datetime.combine(ctx.today, dt.datetime.now().time()).replace(microsecond=0)),
    "if": (3, 3, lambda ctx, c, a, b: a if to_bool(c) else b),
    "coalesce": (2, 2, lambda ctx, a, b: a if to_string(a) != "" else b),
    "not": (1, 1, lambda ctx, v: not to_bool(v)),
    "true": (0, 0, lambda ctx: True),
    "false": (0, 0, lambda ctx: False),
    "boolean": (1, 1, lambda ctx, v: to_bool(v)),
    "number": (1, 1, lambda ctx, v: to_number(v)),
    "string": (1, 1, lambda ctx, v: to_string(v)),
    "int": (1, 1, _int),
    "round": (1, 2, _round),
    "concat": (1, 99, lambda ctx, *vs: "".join(to_string(v) for v in vs)),
    "contains": (2, 2, lambda ctx, a, b: to_string(b) in to_string(a)),
    "starts-with": (2, 2, lambda ctx, a, b: to_string(a).startswith(to_string(b))),
    "ends-with": (2, 2, lambda ctx, a, b: to_string(a).endswith(to_string(b))),
    "substr": (2, 3, _substr),
    "normalize-space": (1, 1, lambda ctx, v: " ".join(to_string(v).split())),
    "sum": (1, 1, _sum),
    "count": (1, 1, _count),
    "min": (1, 99, lambda ctx, *vs: min((to_number(v) for v in vs), default=math.nan)),
    "max": (1, 99, lambda ctx, *vs: max((to_number(v) for v in vs), default=math.nan)),
}
