"""What a page says about its plan edition (版): title, period, and whether the period is over.

Every page and embed shows it near its title (``templates/_edition.html``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from geo.plan.edition import Edition, period_label
from geo.render.model import Model


@dataclass(frozen=True)
class EditionNote:
    """The edition a page shows, its period as the document writes it, and what replaced it."""

    edition: Edition
    period: str  # 平成28年度〜概ね令和2年度
    ended: bool  # by today's fiscal year (April–March)
    replaced_by: Edition | None  # the next newer edition the data folder holds, if any
    choices: tuple[tuple[Edition, str], ...] = ()  # every edition and its period, newest first


def edition_note(model: Model, today: dt.date) -> EditionNote | None:
    """The note for ``model``'s edition on ``today``; None for a model without one (prints)."""
    edition = model.edition
    if edition is None:
        return None
    newer = [e for e in model.editions if e.period.start > edition.period.start]
    return EditionNote(edition, period_label(edition), edition.ended(today),
                       min(newer, key=lambda e: e.period.start) if newer else None,
                       tuple((e, period_label(e)) for e in newest_first(model.editions)))


def newest_first(editions: Iterable[Edition]) -> list[Edition]:
    return sorted(editions, key=lambda e: -e.period.start)
