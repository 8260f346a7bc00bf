"""Map kinds (地図の種類): the one registry every map of the site is known by.

A :class:`MapKind` says, for one kind of map (the overview, a town, a KPI, 推進管理 …):

- which **subjects** it has (every town code, every KPI id …) and the one **canonical** spelling
  of a subject (``01100`` for `` 011002``; a project's id for its name);
- how to **build** the interactive map of a subject (a :class:`~geo.render.maps.MapView`);
- its **title** (the embed's title, the snippet's ``title``);
- where its **page**, **embed**, **JSON twin** and **print** (PNG/SVG) are served, as web
  endpoints with the URL values of a subject (:class:`Route`);
- the printable maps of the kind (:class:`PrintSpec`) and how to **draw** one with matplotlib.

Everything else is derived from the registry: the map-script route and its dispatch, the memo
keys, the export's URL list, the printer's catalogue, and each page's share and print links.
Adding a map kind is one :meth:`MapKinds.register` call (see ``docs/map-kinds.md``); the built-in
kinds are registered in :mod:`geo.render.catalogue`.

This module names web endpoints as strings (``"pages.town"``) and imports no Flask: the web layer
turns a :class:`Route` into a URL with its own ``url_for``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from geo.render.maps import MapContext, MapView
from geo.render.model import Model

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from geo.render.printing.levels import Sources

UrlFor = Callable[..., str]  # flask.url_for, or anything that builds a URL from an endpoint


def _no_values(subject: str) -> Mapping[str, Any]:
    return {}


@dataclass(frozen=True)
class Route:
    """A web endpoint and the URL values of a subject (``town`` ``01100`` → ``{"code": "01100"}``)."""

    endpoint: str
    values: Callable[[str], Mapping[str, Any]] = _no_values

    def url(self, url_for: UrlFor, subject: str, **extra: Any) -> str:
        return url_for(self.endpoint, **self.values(subject), **extra)


@dataclass(frozen=True)
class PrintSpec:
    """One printable map: its file id (``town-01100``), the heading and subheading of the sheet,
    and the kind and subject it draws."""

    id: str
    title: str
    subtitle: str
    kind: str = ""
    subject: str = ""


@dataclass(frozen=True)
class MapEnv:
    """What a builder gets: the model, the Folium context (topology URL, credit) and ``url_for``
    for the links on the map (a click on a town opens its page)."""

    model: Model
    context: MapContext
    url_for: UrlFor


def _no_prints(model: Model) -> Iterable[PrintSpec]:
    return ()


@dataclass(frozen=True)
class MapKind:
    """One kind of map; see the module docstring. ``canonical`` raises ``KeyError`` (or the
    atlas's ``CodeError`` / ``UnknownCodeError``) for a subject that does not exist."""

    name: str
    title: Callable[[Model, str], str]
    canonical: Callable[[Model, str], str]
    subjects: Callable[[Model], Iterable[str]]
    build: Callable[[MapEnv, str, bool], MapView]  # (env, canonical subject, embed layout)
    page: Route
    embed: Route
    api: Route
    print: Route  # the PNG/SVG of a subject; ``fmt`` is added when the URL is built
    # The maps ``hokkaido-map print`` and ``/print/<id>`` draw, and how: (sources, axes, subject).
    prints: Callable[[Model], Iterable[PrintSpec]] = _no_prints
    draw: Callable[[Sources, Axes, str], None] | None = None


class MapKinds:
    """The registry: kinds by name, in registration order (the export's and printer's order)."""

    def __init__(self, kinds: Iterable[MapKind] = ()) -> None:
        self._kinds: dict[str, MapKind] = {}
        for kind in kinds:
            self.register(kind)

    def register(self, kind: MapKind) -> MapKind:
        """Add ``kind``; a name registered twice is a mistake, not an override."""
        if kind.name in self._kinds:
            raise ValueError(f"map kind {kind.name!r} is registered already")
        if not kind.name or "/" in kind.name:
            raise ValueError(f"map kind name {kind.name!r}: one non-empty URL segment")
        self._kinds[kind.name] = kind
        return kind

    def __getitem__(self, name: str) -> MapKind:
        return self._kinds[name]

    def __contains__(self, name: object) -> bool:
        return name in self._kinds

    def __iter__(self) -> Iterator[MapKind]:
        return iter(self._kinds.values())

    def names(self) -> tuple[str, ...]:
        return tuple(self._kinds)

    def canonical(self, model: Model, name: str, subject: str) -> str:
        """The one spelling of ``subject`` of kind ``name``; KeyError for an unknown kind or subject."""
        return self[name].canonical(model, subject)

    def print_specs(self, model: Model) -> Iterator[PrintSpec]:
        """Every printable map of every kind, each tagged with its kind and subject."""
        for kind in self:
            for spec in kind.prints(model):
                yield PrintSpec(spec.id, spec.title, spec.subtitle, kind.name, spec.subject)
