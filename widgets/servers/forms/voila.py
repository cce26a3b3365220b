# Voila configuration of the forms server (questionnaire, 诉求登记, 查询码): public on the mine LAN.
from widgets.servers.common import configure

configure(c, "forms")  # noqa: F821  (``c`` is the traitlets config object Voila provides)
# Form pages draw no chart: do not ship plotly.js (≈ 4.8 MB) to phones.
c.VoilaConfiguration.extension_denylist = ["jupyterlab-plotly"]  # noqa: F821
