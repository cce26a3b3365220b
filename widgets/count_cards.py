"""CountCards: a row of headline figures (label above, number below), escaped HTML."""

from __future__ import annotations

import html

import ipywidgets as w

_STYLE = """
<style>
.xf-cards{display:flex;flex-wrap:wrap;gap:12px;margin:8px 0}
.xf-card{flex:1 1 140px;border:1px solid #d0d7de;border-radius:8px;padding:12px 16px;background:#fff}
.xf-card .xf-label{color:#57606a;font-size:14px;line-height:1.4}
.xf-card .xf-value{font-size:28px;font-weight:600;color:#1f2328;line-height:1.25}
</style>
"""


def render(value: dict[str, object]) -> str:
    cards = "".join(
        f'<div class="xf-card" data-testid="count" data-label="{html.escape(str(k))}">'
        f'<div class="xf-label">{html.escape(str(k))}</div>'
        f'<div class="xf-value" data-testid="count-value">{html.escape(str(v))}</div></div>'
        for k, v in value.items()
    )
    return f'{_STYLE}<div class="xf-cards" data-testid="counts">{cards}</div>'


class CountCards(w.HTML):
    """``value`` is a mapping label → figure; the widget shows them as cards."""

    def __init__(self, counts: dict[str, object] | None = None, **kwargs):
        super().__init__(value=render(counts or {}), **kwargs)

    def show_counts(self, counts: dict[str, object]) -> None:
        self.value = render(counts)
