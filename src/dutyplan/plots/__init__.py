"""Figures of a problem and its plan: map, duty roster, coverage and solver convergence.

Every function returns a :class:`matplotlib.figure.Figure`; save it with
``fig.savefig("map.png")``. New figures are made with pyplot, so Jupyter shows them at the end
of the cell; nothing calls ``plt.show()``, and a script making many figures should
``plt.close(fig)`` each. Functions that draw on one axes take ``ax=`` to draw into a figure of
your own, and every function takes ``font=`` (a font family name) for its text.

Names in the bundled examples are Chinese. When a figure's labels contain CJK characters and no
``font`` is given, an installed CJK family is chosen (Noto Sans CJK, Source Han Sans,
WenQuanYi, SimHei, ...) for that figure only; when none is installed a warning is logged once
(logger ``dutyplan``) and the figure is still drawn, with missing glyphs as boxes.

matplotlib is optional: ``pip install 'dutyplan[plots]'``. ``import dutyplan`` never imports it.

One module per picture (``map``, ``gantt``, ``coverage``, ``convergence``), with the font
handling (``fonts``), the shared figure helpers (``figures``) and the layout of people and
sites from distances alone (``layout``).
"""

from __future__ import annotations

from dutyplan.plots.convergence import (
    plot_convergence,
)
from dutyplan.plots.coverage import (
    coverage_grid,
    plot_coverage,
)
from dutyplan.plots.fonts import (
    CJK_FAMILIES,
    find_cjk_font,
    use_cjk_font,
)
from dutyplan.plots.gantt import (
    plot_gantt,
)
from dutyplan.plots.layout import (
    layout_from_distances,
)
from dutyplan.plots.map import (
    plot_map,
)

__all__ = [
    "CJK_FAMILIES",
    "coverage_grid",
    "find_cjk_font",
    "layout_from_distances",
    "plot_convergence",
    "plot_coverage",
    "plot_gantt",
    "plot_map",
    "use_cjk_font",
]
