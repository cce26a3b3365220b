"""A page in Simplified or Traditional characters: the walker over a page's widgets and the 简 / 繁 switch.

``page(body, query)`` puts the switch above ``body`` and hands the tree to ``apply(root, script)``,
which converts every string a person reads (xinfang.script) — HTML and Label values, descriptions,
tooltips, placeholders, option labels, tab titles — and observes those traits and every box's
``children``, so what a callback redraws later is converted too. Option *values*, the values of
input widgets (what a person types) and everything inside ``translate="no"`` stay as they are; a
widget whose strings are someone's words is marked with ``keep(widget)`` and left alone with its
children. Figures are converted where they are built (xinfang.charts.in_script).
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlencode

import ipywidgets as w

from xinfang.script import (
    KEEP,
    TRADITIONAL,
    markup_to_script,
    script_of,
    switch_markup,
    to_script,
)

# Traits a person reads, by kind: markup, plain text, or a tuple of plain texts.
_PLAIN = ("tooltip", "placeholder")
_TUPLES = ("_options_labels", "tooltips", "titles")
ALL = frozenset({"*"})


def keep(widget: w.Widget, *traits: str) -> w.Widget:
    """Leave ``widget`` as it is in every script: all of it and its children, or only ``traits``."""
    widget._xf_keep = frozenset(traits) if traits else ALL
    return widget


def _kept(widget: w.Widget) -> frozenset:
    return getattr(widget, "_xf_keep", frozenset())


def _traits(widget: w.Widget) -> list[str]:
    """The readable traits this widget has (input values are what a person typed: never listed)."""
    names = [n for n in ("description", *_PLAIN, *_TUPLES) if widget.has_trait(n)]
    if isinstance(widget, w.HTML | w.HTMLMath | w.Label):
        names.append("value")
    return [n for n in names if n not in _kept(widget)]


def _converted(widget: w.Widget, name: str, value, script: str):
    if name in _TUPLES:
        return tuple(to_script(v, script) if isinstance(v, str) else v for v in value)
    if not isinstance(value, str):
        return value
    markup = (name == "value" and isinstance(widget, w.HTML | w.HTMLMath)) or (
        name == "description" and getattr(widget, "description_allow_html", False))
    return markup_to_script(value, script) if markup else to_script(value, script)


def _convert(widget: w.Widget, name: str, script: str) -> None:
    value = getattr(widget, name)
    new = _converted(widget, name, value, script)
    if new != value:
        widget.set_trait(name, new)  # set_trait: _options_labels is read-only to plain assignment


def apply(root: w.Widget, script: str) -> w.Widget:
    """Show ``root`` and everything under it in ``script`` from now on; returns ``root``."""
    if script != TRADITIONAL:
        return root
    stack = [root]
    while stack:
        widget = stack.pop()
        if not isinstance(widget, w.Widget) or _kept(widget) == ALL or getattr(widget, "_xf_script", None) == script:
            continue
        widget._xf_script = script
        names = _traits(widget)
        for name in names:
            _convert(widget, name, script)
        if names:
            widget.observe(lambda change, s=script: _convert(change["owner"], change["name"], s), names=names)
        if widget.has_trait("children"):
            widget.observe(lambda change, s=script: [apply(c, s) for c in change["new"]], names="children")
            stack.extend(widget.children)
    return root


def switch(query: Mapping[str, str], script: str) -> w.HTML:
    """简 / 繁: the current script in bold, the other a link to the same page (other parameters kept)."""
    markup = switch_markup(script, lambda code: "?" + urlencode({**query, "lang": code}))
    return w.HTML(f'<div {KEEP} style="text-align:right;font-size:15px">{markup}</div>')


def page(body: w.Widget, query: Mapping[str, str]) -> w.VBox:
    """A served page: the 简 / 繁 switch above ``body``, in the script ``query`` asks for (``lang``)."""
    script = script_of(query.get("lang"))
    return apply(w.VBox([switch(query, script), body]), script)


__all__ = ["apply", "keep", "page", "switch"]
