# Voila configuration of the forms server (questionnaire, 诉求登记, 查询码): public on the mine LAN.
from widgets.servers.common import configure
from xinfang.config import settings

configure(c, "forms")  # noqa: F821  (``c`` is the traitlets config object Voila provides)
# Form pages draw no chart: do not ship plotly.js (≈ 4.8 MB) to phones.
c.VoilaConfiguration.extension_denylist = ["jupyterlab-plotly"]  # noqa: F821
# A preheated pool sized for a meeting (XINFANG_FORMS_POOL_SIZE, e.g. 70): each kernel has imported the
# form code and read the workbooks before anyone opens the page (widgets.pages.prepare).
_pool = int(settings()["forms_pool_size"])
c.VoilaConfiguration.preheat_kernel = _pool > 0  # noqa: F821
c.VoilaConfiguration.default_pool_size = _pool  # noqa: F821
# Voila refills a used pool kernel after fill_delay (1 s by default): during a meeting's burst 70 refills
# would compete with the 70 pages being opened on two cores. Refill once the burst is over.
c.VoilaKernelManager.fill_delay = float(settings()["forms_pool_refill_delay_seconds"])  # noqa: F821
# A page's kernel answers only the browser it serves: another browser that learns its id gets 403
# (widgets/servers/page_kernels.py).
c.Voila.authorizer_class = "widgets.servers.page_kernels.PageKernelAuthorizer"  # noqa: F821
