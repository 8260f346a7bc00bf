"""Static maps for reports and slides: PNG and SVG of every map, with title, legend and credit.

Maps (ids are URL-safe, used by ``/print/<id>.png|.svg`` and ``hokkaido-map print``):

- ``overview-municipalities`` / ``overview-subprefectures`` / ``overview-regions``: each unit
  coloured by how many named projects reach it;
- ``project-<id>``: the municipalities a project covers;
- ``kpi-<project id>-<n>``: the n-th KPI (1-based) of a project, over the area it is measured in;
- ``town-<code>`` (179, 5-digit code): the projects reaching a municipality, its 振興局 coloured by
  how many of them cover each, the town outlined, zoomed to the covered 振興局;
- ``family-<key>``: a KPI family (``family-観光入込客数``; the key is Japanese, the URL is
  percent-encoded UTF-8), 振興局 coloured by how many of the family's KPIs cover them;
- ``overlap``: 振興局 coloured by how many multi-振興局 projects include them (the /overlap page's
  measure), cross-region projects outlined;
- ``region-<id>`` / ``subprefecture-<id>``: a 連携地域's or 振興局's page map.

Which maps exist and what draws each is said by the map kinds registry (:mod:`geo.render.kinds`,
``prints`` and ``draw`` of every kind); the printer only enumerates, draws and memoizes.

The pieces: :mod:`.style` (colours, font, sizes), :mod:`.figure` (the page of a figure: title,
credit, zoom, saving), :mod:`.levels` (drawing each kind of map), :mod:`.legends` (legends and
labels), :mod:`.printer` (enumerating, drawing and memoizing the registry's printable maps).
"""

from geo.render.kinds import PrintSpec
from geo.render.printing.printer import Printer
from geo.render.printing.style import DPI, FONT_FAMILY, FORMATS, MEDIA_TYPES, SIZE_INCHES, Format, font_path

__all__ = [
           "DPI",
           "FONT_FAMILY",
           "FORMATS",
           "MEDIA_TYPES",
           "SIZE_INCHES",
           "Format",
           "PrintSpec",
           "Printer",
           "font_path",
]
