"""Simplified or Traditional characters for what a page shows: the one converter of the workbook.

Text is written once, in Simplified; a page asked for with ``lang=zh-Hant`` shows it in Traditional,
converted by OpenCC at the rendering boundaries (the widget walker in ``widgets/page_script.py``, the
figures in :mod:`xinfang.charts`, the quarterly report when drafted).

OpenCC ``s2t`` converts characters (with OpenCC's phrase tables to pick 發/髮, 干/幹/乾 …), not vocabulary:
信访 → 信訪, 矿 → 礦, 队 → 隊, 党支部 → 黨支部, 满意率 → 滿意率, 软件 → 軟件, 数据 → 數據. ``s2twp`` would
also swap mainland words for Taiwan ones (软件 → 軟體, 数据 → 資料, 信息 → 資訊, 视频 → 影片), which changes
the office's own terms for readers at a mainland mine; ``s2t`` is also what the forms' own
``繁體中文 (zh-Hant)`` columns follow (爲, 瞭解), so a page and its form read alike.

What a person wrote (remarks, case texts, replies, names) is never converted: in HTML it sits in an
element with ``translate="no"`` (the HTML attribute for "leave this text as it is"; :func:`verbatim`
makes one), and a widget that holds it is marked with ``widgets.page_script.keep``. Conversion
touches text only: markup, ``<style>``/``<script>`` bodies and attributes other than the readable ones
(title, alt, placeholder, aria-label) pass through byte for byte, so escaping is kept as it was.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from functools import cache
from html.parser import HTMLParser

SIMPLIFIED, TRADITIONAL = "zh-Hans", "zh-Hant"
SCRIPTS = (SIMPLIFIED, TRADITIONAL)
NAMES = {SIMPLIFIED: "简", TRADITIONAL: "繁"}  # the switch shows each script in its own characters
OPENCC_CONFIG = "s2t"
KEEP = 'translate="no"'

# Characters that make markup: a conversion must never add or remove one.
_MARKUP = re.compile(r"[<>&\"']")
_READABLE_ATTRS = re.compile(r"""(\s(?:title|alt|placeholder|aria-label)\s*=\s*)("[^"]*"|'[^']*')""", re.I)
_KEEP_ATTR = re.compile(r"""\stranslate\s*=\s*["']?no\b""", re.I)
_VOID = frozenset("area base br col embed hr img input link meta param source track wbr".split())
_RAW_TEXT = frozenset(("style", "script"))


def script_of(value: object) -> str:
    """The script a request asks for (``lang=zh-Hant``); anything else is Simplified."""
    return TRADITIONAL if value == TRADITIONAL else SIMPLIFIED


@cache
def _converter():
    import opencc  # C++ core, loaded on first use only

    return opencc.OpenCC(OPENCC_CONFIG)


def to_script(text: str, script: str) -> str:
    """Plain text in ``script`` (Simplified text is left as it is for ``zh-Hans`` and any other code)."""
    if script != TRADITIONAL or not text or text.isascii():
        return text
    converted = _converter().convert(text)
    # OpenCC maps Chinese characters only; refuse any result that would change markup characters.
    return converted if _MARKUP.findall(converted) == _MARKUP.findall(text) else text


def switch_markup(script: str, href: Callable[[str], str]) -> str:
    """The 简 / 繁 switch (escaped HTML): ``script`` in bold, the other a link to ``href(code)``. Each name
    is written in its own characters, so the switch sits inside ``translate="no"``."""
    parts = []
    for code in SCRIPTS:
        if code == script:
            parts.append(f'<b data-testid="script-current" lang="{code}">{NAMES[code]}</b>')
        else:
            parts.append(f'<a data-testid="script-switch" lang="{code}" href="{html.escape(href(code))}">'
                         f"{NAMES[code]}</a>")
    return " / ".join(parts)


def verbatim(text: object) -> str:
    """Escaped HTML for what a person wrote: shown as written on every page."""
    return f"<span {KEEP}>{html.escape(str(text))}</span>"


class _Pieces(HTMLParser):
    """Marks where each token of a fragment starts and whether its text may be converted."""

    def __init__(self, markup: str):
        super().__init__(convert_charrefs=True)
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", markup)]
        self.starts: list[tuple[int, str]] = []  # (offset, "text" | "tag" | "other")
        self._kept: list[str] = []  # open elements with translate="no" (same-name nesting counted)
        self._raw: str | None = None

    def _mark(self, kind: str) -> None:
        line, col = self.getpos()
        self.starts.append((self._line_starts[line - 1] + col, kind))

    def handle_starttag(self, tag, attrs):
        keep = bool(self._kept) or bool(_KEEP_ATTR.search(self.get_starttag_text() or ""))
        self._mark("other" if keep else "tag")  # translate="no" covers the element's own attributes
        if tag in _RAW_TEXT:
            self._raw = tag
        if tag not in _VOID and keep and (not self._kept or tag == self._kept[0]):
            self._kept.append(tag)

    def handle_startendtag(self, tag, attrs):
        keep = bool(self._kept) or bool(_KEEP_ATTR.search(self.get_starttag_text() or ""))
        self._mark("other" if keep else "tag")

    def handle_endtag(self, tag):
        self._mark("other")
        if tag == self._raw:
            self._raw = None
        if self._kept and tag == self._kept[0]:
            self._kept.pop()

    def handle_data(self, data):
        self._mark("other" if self._kept or self._raw else "text")

    def handle_comment(self, data):
        self._mark("other")

    handle_decl = handle_pi = unknown_decl = handle_comment


def markup_to_script(markup: str, script: str) -> str:
    """An HTML fragment with its text in ``script``: text nodes and readable attributes are converted,
    everything inside ``translate="no"``, ``<style>`` and ``<script>`` and all markup are kept as they were."""
    if script != TRADITIONAL or not markup or markup.isascii():
        return markup
    parser = _Pieces(markup)
    parser.feed(markup)
    parser.close()
    starts = parser.starts
    out = []
    for n, (start, kind) in enumerate(starts):
        end = starts[n + 1][0] if n + 1 < len(starts) else len(markup)
        piece = markup[start:end]
        if kind == "text":
            piece = to_script(piece, script)
        elif kind == "tag":
            piece = _READABLE_ATTRS.sub(lambda m: m[1] + to_script(m[2], script), piece)
        out.append(piece)
    if starts and starts[0][0] > 0:  # nothing precedes the first token, but never drop a byte
        out.insert(0, markup[:starts[0][0]])
    return "".join(out) if starts else to_script(markup, script)


__all__ = ["KEEP", "NAMES", "OPENCC_CONFIG", "SCRIPTS", "SIMPLIFIED", "TRADITIONAL", "markup_to_script",
           "script_of", "switch_markup", "to_script", "verbatim"]
