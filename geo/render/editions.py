"""What a page says about its plan edition (版): title, period, and whether the period is over.

Every page and embed shows it near its title; the JSON answers carry :func:`edition_json`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from geo.plan.edition import Edition, fiscal_year_ja, period_label
from geo.render.model import Model


@dataclass(frozen=True)
class EditionNote:
    """The edition a page shows, its period as the document writes it, and what replaced it."""

    edition: Edition
    period: str  # 平成28年度〜概ね令和2年度
    ended: bool  # by today's fiscal year (April–March)
    replaced_by: Edition | None  # the next newer edition the data folder holds, if any


def edition_note(model: Model, today: dt.date) -> EditionNote | None:
    """The note for ``model``'s edition on ``today``; None for a model without one (prints)."""
    edition = model.edition
    if edition is None:
        return None
    newer = [e for e in model.editions if e.period.start > edition.period.start]
    return EditionNote(edition, period_label(edition), edition.ended(today),
                       min(newer, key=lambda e: e.period.start) if newer else None)


def edition_json(edition: Edition) -> dict[str, object]:
    """The edition as the API names it (``/api/editions``)."""
    p = edition.period
    return {
        "id": edition.id,
        "title": edition.title,
        "adopted": edition.adopted.date,
        "period": {"from": p.start, "to": p.end, "approximate": p.approximate,
                   "label": period_label(edition), "from_label": fiscal_year_ja(p.start),
                   "to_label": fiscal_year_ja(p.end)},
        "source": edition.source,
    }
