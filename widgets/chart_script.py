"""Drawing the dashboard's plotly charts once: a page script for jupyterlab-plotly's renderer.

Voila draws a plotly mimebundle with the ``jupyterlab-plotly`` extension's renderer, which draws
each chart with ``Plotly.react`` and then, on its first update request, draws it all again with
``Plotly.redraw`` before ``Plots.resize``. With the 8 charts of the dashboard the second drawing
cost the browser about 0.9 s at first paint and 0.2 s at every filter change (Chromium profiles).
Once drawn, the renderer also makes a PNG of each chart (``Plotly.toImage``: the whole chart drawn
again off the page, then encoded) and stores it in the output for a saved notebook to show without
plotly.js; a served page is never saved. At 100,000 cases this took the dashboard from 1.38 to
1.00 s in the benchmark (the floor 0.59 s) and a filter change from 0.49 to 0.40 s.

No setting of the extension turns this off, and a renderer of our own would be a JupyterLab
extension to build and ship; so the page carries this script (``quiet_renderer()``, an Output
holding it, shown once at the top of the dashboard). For charts inside ``.xf-dashboard`` only, it
makes an update request a ``Plots.resize`` alone (which draws again only when the size has
changed), and the renderer's ``toImage`` a promise that never settles (so no PNG is made or
stored). Charts anywhere else keep the extension's behaviour. It reaches the renderer class through
the extension's module-federation container (``window._JUPYTERLAB``) and its exported
``RenderedPlotly``; if the extension changes shape (the version is pinned in constraints.txt) the
script does nothing and the charts are drawn as before. ``window.__xfQuietPlotly`` says what it
did ("patched", or why not), ``window.__xfQuietImages`` whether the PNG copies are skipped; a
browser test reads both and counts the copies drawn.
"""

from __future__ import annotations

import ipywidgets as w

SCOPE = "xf-dashboard"

SCRIPT = """<script>
(function () {
  if (window.__xfQuietPlotly) { return; }
  window.__xfQuietPlotly = "pending";
  var container = window._JUPYTERLAB && window._JUPYTERLAB["jupyterlab-plotly"];
  if (!container) { window.__xfQuietPlotly = "no extension"; return; }
  var inScope = function (node) { return !!(node && node.closest && node.closest(".@SCOPE@")); };
  container.get("./mimeExtension").then(function (factory) {
    var R = factory().RenderedPlotly;
    if (!R || !R.prototype || typeof R.prototype.onUpdateRequest !== "function") {
      window.__xfQuietPlotly = "unknown renderer"; return;
    }
    var update = R.prototype.onUpdateRequest;
    R.prototype.onUpdateRequest = function (msg) {
      if (!inScope(this.node)) { return update.call(this, msg); }
      if (R.Plotly && this.isVisible && this.hasGraphElement()) { R.Plotly.Plots.resize(this.node); }
    };
    window.__xfQuietPlotly = "patched";
    var wrap = function (plotly) {
      if (!plotly) { return plotly; }
      var wrapped = Object.create(plotly);
      // defined, not assigned: the module's exports are getters without setters
      Object.defineProperty(wrapped, "toImage", {value: function (gd) {
        if (inScope(gd)) { return new Promise(function () {}); }
        return plotly.toImage.apply(plotly, arguments);
      }});
      return wrapped;
    };
    var current = wrap(R.Plotly);
    Object.defineProperty(R, "Plotly", {configurable: true, enumerable: true,
      get: function () { return current; }, set: function (value) { current = wrap(value); }});
    window.__xfQuietImages = "patched";
  }, function (err) { window.__xfQuietPlotly = "failed: " + err; });
})();
</script>""".replace("@SCOPE@", SCOPE)


def quiet_renderer() -> w.Output:
    """An Output that runs SCRIPT in the page (Output widgets' HTML is trusted: its scripts run)."""
    out = w.Output(layout=w.Layout(height="0px", overflow="hidden"))
    out.outputs = ({"output_type": "display_data", "data": {"text/html": SCRIPT}, "metadata": {}},)
    return out
