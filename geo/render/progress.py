"""推進管理 views: the /progress table, its JSON and CSV, the annual review report (md/csv/html).

Pure functions of the plan, its actuals and thresholds (:mod:`geo.plan.progress`); no Flask.
A fiscal year outside the edition's period (:meth:`geo.plan.edition.Period.contains`) is shown,
never dropped, and marked 「対象期間外」 in words; the JSON says ``in_period`` per year.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from geo.csvfile import excel_csv, formula_safe
from geo.plan.actuals_model import Actual, Actuals
from geo.plan.actuals_write import records_to_json
from geo.plan.edition import Edition, csv_columns, period_label
from geo.plan.fiscal import fiscal_label
from geo.plan.model import Plan
from geo.plan.progress import (
    GRADE_LABEL,
    GRADE_SYMBOL,
    GRADES,
    NO_ACTUALS,
    Evaluation,
    KpiProgress,
    Thresholds,
    area_summaries,
    expected_value,
    grade_year,
    plan_progress,
    value_text,
)

# Okabe–Ito based, colour-blind safe; the grade's text and symbol are always shown beside it.
GRADE_COLORS: dict[str, str] = {
    "達成": "#0072B2",
    "A": "#56B4E9",
    "B": "#F0E442",
    "C": "#E69F00",
    "D": "#D55E00",
    "未達成": "#CC79A7",
    "−": "#d9d9d9",
}
NO_ACTUAL_COLOR = "#d9d9d9"
SORT_KEYS = ("region", "project", "kpi", "grade", "rate", "year")
OUT_OF_PERIOD = "対象期間外"
IN_PERIOD = "対象期間内"


# --- the edition's period: which fiscal years are in it ------------------------------------------


def in_period(edition: Edition | None, year: int) -> bool:
    """Whether fiscal ``year`` is in the edition's period; without an edition, every year is."""
    return edition is None or edition.period.contains(year)


def period_text(edition: Edition) -> str:
    """``対象期間：平成28年度〜概ね令和2年度``."""
    return f"対象期間：{period_label(edition)}"


def edition_text(edition: Edition) -> str:
    """``連携地域別政策展開方針（平成28年度〜）・対象期間：平成28年度〜概ね令和2年度``."""
    return f"{edition.title}・{period_text(edition)}"


def period_mark(year: int, edition: Edition | None) -> str:
    """What follows a year outside the period, ``（対象期間外）``; nothing after one inside it."""
    return "" if in_period(edition, year) else f"（{OUT_OF_PERIOD}）"


def year_text(year: int, edition: Edition | None) -> str:
    """``H28(2016)``; a year outside the period ``H27(2015)（対象期間外）``."""
    return fiscal_label(year) + period_mark(year, edition)


def period_class(year: int | None, edition: Edition | None) -> str:
    """A CSV cell: 対象期間内 or 対象期間外; empty without a year or an edition."""
    if year is None or edition is None:
        return ""
    return IN_PERIOD if in_period(edition, year) else OUT_OF_PERIOD


def year_json(year: int, edition: Edition | None) -> dict[str, Any]:
    return {"year": year, "label": fiscal_label(year), "in_period": in_period(edition, year)}


def _record_in_period(rec: dict[str, Any] | None, edition: Edition | None) -> dict[str, Any] | None:
    return None if rec is None else {**rec, "in_period": in_period(edition, rec["fiscal_year"])}


def _grade_in_period(grade: dict[str, Any], edition: Edition | None) -> dict[str, Any]:
    year = grade["year"]
    return {**grade, "in_period": None if year is None else in_period(edition, year)}


def _kpi_in_period(kpi: dict[str, Any], edition: Edition | None) -> dict[str, Any]:
    return {
        **kpi,
        "grade": _grade_in_period(kpi["grade"], edition),
        "latest": _record_in_period(kpi["latest"], edition),
        "evaluated": _record_in_period(kpi["evaluated"], edition),
        "actuals": [_record_in_period(a, edition) for a in kpi["actuals"]],
    }


def progress_with_period(data: dict[str, Any], edition: Edition | None) -> dict[str, Any]:
    """The ``/progress`` data with ``in_period`` wherever a fiscal year is listed: ``fiscal_years``
    (the years offered, as ``years`` lists them), the map's ``year``, each KPI's grade and actuals.
    Years outside the period stay: they are data, only marked. (Which edition and its period: the
    ``edition`` every JSON answer carries, :class:`geo.web.editions.EditionJSON`.)"""
    return {
        **data,
        "year_in_period": in_period(edition, data["year"]),
        "fiscal_years": [year_json(y, edition) for y in data["years"]],
        "kpis": [_kpi_in_period(k, edition) for k in data["kpis"]],
    }


def trend_with_period(data: dict[str, Any], edition: Edition | None) -> dict[str, Any]:
    """A KPI's trend data with ``in_period`` per year (point) and for its latest grade."""
    return {
        **data,
        "points": [{**p, "in_period": in_period(edition, p["year"])} for p in data["points"]],
        "latest": _grade_in_period(data["latest"], edition),
    }


def grade_json(ev: Evaluation) -> dict[str, Any]:
    return {
        "grade": ev.grade,
        "label": GRADE_LABEL[ev.grade],
        "symbol": GRADE_SYMBOL[ev.grade],
        "year": ev.year,
        "year_label": fiscal_label(ev.year) if ev.year else None,
        "final": ev.final,
        "reason": ev.reason,
        "actual": ev.actual,
        "expected": ev.expected,
        "rate": ev.rate,
        "expected_rate": ev.expected_rate,
    }


def _source(a: Actual | None) -> dict[str, Any] | None:
    return records_to_json([a])[0] if a else None


def progress_row(row: KpiProgress, region_names: dict[str, str]) -> dict[str, Any]:
    k, ev = row.kpi, row.latest
    return {
        "id": row.id,
        "region": row.project.region,
        "region_name": region_names[row.project.region],
        "project": row.project.id,
        "project_name": row.project.name,
        "subprefectures": list(row.project.subprefectures),
        "kpi": k.raw.strip(),
        "indicator": k.title,
        "unit": k.unit,
        "unit_as_written": k.unit_as_written,
        "base": {"written": k.baseline.written, "label": k.baseline.label, "value": k.baseline.value}
        if k.baseline
        else None,
        "target": {
            "written": k.target.written,
            "label": k.target.label,
            "value": k.target.value,
            "qualifier": k.target.qualifier,
        },
        "expected_text": value_text(k, ev.expected) if ev.expected is not None else None,
        "actual_text": value_text(k, ev.actual) if ev.actual is not None else None,
        "latest": _source(row.records[-1]) if row.records else None,
        "evaluated": _source(ev.record),
        **{"grade": grade_json(ev)},
        "actuals": records_to_json(row.records),
    }


def filter_rows(rows: Sequence[KpiProgress], region: str | None, sub: str | None) -> list[KpiProgress]:
    """``region``: the project's home 連携地域 (whose 連携会議 reviews it); ``sub``: a 振興局 it covers."""
    return [
        r
        for r in rows
        if (not region or r.project.region == region) and (not sub or sub in r.project.subprefectures)
    ]


def sort_rows(
    rows: list[KpiProgress], key: str, descending: bool, order: dict[str, int]
) -> list[KpiProgress]:
    """Sort by a column; rows without a value (no grade, no rate) always go last."""
    grade_rank = {g: i for i, g in enumerate(("D", "未達成", "C", "B", "A", "達成"))}
    has: list[KpiProgress] = []
    empty: list[KpiProgress] = []
    for r in rows:
        missing = (
            (key == "grade" and r.latest.grade == "−")
            or (key == "rate" and r.latest.rate is None)
            or (key == "year" and r.latest.year is None)
        )
        (empty if missing else has).append(r)
    keys = {
        "region": lambda r: (order[r.project.region], r.id),
        "project": lambda r: r.project.name,
        "kpi": lambda r: r.kpi.title,
        "grade": lambda r: grade_rank[r.latest.grade],
        "rate": lambda r: r.latest.rate,
        "year": lambda r: r.latest.year,
    }
    has.sort(key=keys[key], reverse=descending)
    return has + empty


def progress_json(
    plan: Plan,
    actuals: Actuals,
    thresholds: Thresholds,
    rows: Sequence[KpiProgress],
    region_names: dict[str, str],
) -> dict[str, Any]:
    as_of = actuals.as_of
    counts = {g: sum(r.latest.grade == g for r in rows) for g in GRADES}
    return {
        "status": NO_ACTUALS if actuals.empty else "ok",
        "message": f"{NO_ACTUALS}：KPI の実績値はまだ登録されていません。" if actuals.empty else None,
        "as_of": as_of.isoformat() if as_of else None,
        "thresholds": thresholds.model_dump(),
        "grades": {
            g: {"label": GRADE_LABEL[g], "symbol": GRADE_SYMBOL[g], "color": GRADE_COLORS[g]} for g in GRADES
        },
        "counts": counts,
        "count": len(rows),
        "kpis": [progress_row(r, region_names) for r in rows],
    }


PROGRESS_CSV_HEADER = (
    "kpi_id",
    "連携地域",
    "プロジェクト",
    "KPI",
    "基準値",
    "見込み",
    "実績値",
    "実績年度",
    "速報/確報",
    "出典",
    "URL/資料",
    "公表日",
    "目標値",
    "進捗率",
    "評価",
    "評価年度",
    "理由",
)
# Last, so the columns before keep their places: whether the row's year is in the period.
PERIOD_COLUMN = "対象期間内外"


def progress_csv(
    rows: Sequence[KpiProgress], region_names: dict[str, str], *, edition: Edition | None = None
) -> str:
    """The /progress table for a spreadsheet: UTF-8 with BOM, formulas neutralised; each row names
    the edition and its period, and says whether its year is in that period."""
    return excel_csv(
        [*PROGRESS_CSV_HEADER, PERIOD_COLUMN],
        ([*_progress_cells(r, region_names), period_class(r.latest.year, edition)] for r in rows),
        about=csv_columns(edition),
    )


def _progress_cells(r: KpiProgress, region_names: dict[str, str]) -> list[str]:
    ev, k = r.latest, r.kpi
    rec = ev.record
    return [
        r.id,
        region_names[r.project.region],
        formula_safe(r.project.name),
        formula_safe(k.title),
        f"{k.baseline.written}({k.baseline.label})" if k.baseline else "",
        value_text(k, ev.expected) if ev.expected is not None else "",
        value_text(k, ev.actual) if ev.actual is not None else "",
        fiscal_label(ev.year) if ev.year else "",
        ("速報" if rec.provisional else "確報") if rec else "",
        formula_safe(rec.source) if rec else "",
        formula_safe(rec.reference) if rec else "",
        rec.published.isoformat() if rec else "",
        f"{k.target.written}({k.target.label})",
        f"{ev.rate:.3f}" if ev.rate is not None else "",
        f"{GRADE_SYMBOL[ev.grade]} {GRADE_LABEL[ev.grade]}",
        fiscal_label(ev.year) if ev.year else "",
        formula_safe(ev.reason or ""),
    ]


def rate_text(rate: float | None) -> str:
    return "—" if rate is None else f"{rate:.0%}"


# --- trend data (the KPI page's chart and its JSON) ----------------------------------------------


def trend_json(
    row: KpiProgress, thresholds: Thresholds, *, edition: Edition | None = None
) -> dict[str, Any]:
    """Base, expected line, actuals and target of one KPI: the chart's data and its table; each
    year says whether it is in ``edition``'s period (:func:`trend_with_period`)."""
    k = row.kpi
    from geo.plan.progress import base_point, is_period, target_year

    base = base_point(k)
    end = target_year(k)
    first = int(base[0]) + 1 if base else (k.target.year.start if is_period(k) else end)
    years = list(
        range(
            min([first, *(a.fiscal_year for a in row.records)]),
            max([end, *(a.fiscal_year for a in row.records)]) + 1,
        )
    )
    by_year = {a.fiscal_year: a for a in row.records}
    points = []
    for y in years:
        ev = grade_year(row.id, k, row.records, y, thresholds) if y <= end else None
        a = by_year.get(y)
        points.append(
            {
                "year": y,
                "label": fiscal_label(y),
                "expected": expected_value(k, y),
                "actual": float(a.value) if a else None,
                "written": a.written if a else None,
                "provisional": a.provisional if a else None,
                "compared": ev.actual if ev else None,  # running sum/mean for a period KPI
                "grade": grade_json(ev) if ev and a else None,
                "source": _source(a),
            }
        )
    data = {
        "id": row.id,
        "kpi": k.raw.strip(),
        "unit": k.unit,
        "unit_as_written": k.unit_as_written,
        "period": is_period(k),
        "aggregate": k.target.aggregate,
        "base": {"year": base[0], "value": base[1]} if base else None,
        "target": {
            "year": end,
            "value": float(k.target.value),
            "written": k.target.written,
            "label": k.target.label,
        },
        "points": points,
        "latest": grade_json(row.latest),
        "empty": not row.records,
    }
    return trend_with_period(data, edition)


# --- the annual review (連携会議 material) -------------------------------------------------------


def report_rows(
    plan: Plan, actuals: Actuals, year: int, region: str | None, thresholds: Thresholds
) -> list[tuple[KpiProgress, Evaluation]]:
    rows = plan_progress(plan, actuals, thresholds)
    out = []
    for r in rows:
        if region and r.project.region != region:
            continue
        out.append((r, grade_year(r.id, r.kpi, r.records, year, thresholds)))
    return out


def _lines(
    plan: Plan, rows: list[tuple[KpiProgress, Evaluation]], edition: Edition | None
) -> list[dict[str, str]]:
    names = {r.id: r.name for r in plan.regions}
    out = []
    for r, ev in rows:
        rec = ev.record
        out.append(
            {
                "id": r.id,
                "region": names[r.project.region],
                "project": r.project.name,
                "kpi": r.kpi.title,
                "grade": f"{GRADE_SYMBOL[ev.grade]} {GRADE_LABEL[ev.grade]}",
                "year": fiscal_label(ev.year) if ev.year else "",
                "in_period": period_class(ev.year, edition),
                "expected": value_text(r.kpi, ev.expected) if ev.expected is not None else "—",
                "actual": (value_text(r.kpi, ev.actual) if ev.actual is not None else "—")
                + ("（速報）" if rec and rec.provisional else ""),
                "target": f"{r.kpi.target.written}（{r.kpi.target.label}）",
                "rate": rate_text(ev.rate),
                "reason": ev.reason or "",
                "source": f"{rec.source}（{rec.published.isoformat()}）" if rec else "",
            }
        )
    return out


REPORT_COLUMNS = (
    ("grade", "評価"),
    ("kpi", "KPI"),
    ("expected", "見込み"),
    ("actual", "実績"),
    ("target", "目標値"),
    ("rate", "進捗率"),
    ("reason", "理由"),
    ("source", "出典"),
)


@dataclass(frozen=True)
class Report:
    """The 連携会議 material of one fiscal year, before it is written as md, csv or html."""

    title: str  # 推進管理 H28(2016)年度 評価（道南連携地域）; a year outside the period says so
    edition: str | None  # the edition and its period, and whether the year is in it
    note: str  # as of / 実績未登録
    counts: str  # 評価の内訳
    lines: list[dict[str, str]]  # every KPI, in plan order
    late: list[dict[str, str]]  # those graded C, D or 未達成
    edition_about: tuple[tuple[str, str], ...] = ()  # the CSV's leading columns


def _report_edition(edition: Edition | None, year: int) -> str | None:
    """``連携地域別政策展開方針（平成28年度〜）・対象期間：…``, and whether ``year`` is outside it."""
    if edition is None:
        return None
    outside = "" if in_period(edition, year) else f"。{fiscal_label(year)}年度は{OUT_OF_PERIOD}です"
    return f"{edition_text(edition)}{outside}。"


def make_report(
    plan: Plan, actuals: Actuals, year: int, region: str | None, thresholds: Thresholds,
    edition: Edition | None = None,
) -> Report:
    """What the 連携会議 material for ``year`` says: KPIs graded C, D or 未達成 first, then all."""
    rows = report_rows(plan, actuals, year, region, thresholds)
    lines = _lines(plan, rows, edition)
    late = [ln for (_, ev), ln in zip(rows, lines, strict=True) if ev.grade in ("C", "D", "未達成")]
    scope = plan.region(region).name + "連携地域" if region else "全道"
    mark = period_mark(year, edition)
    as_of = actuals.as_of
    note = (f"実績の公表日は {as_of.isoformat()} まで。" if as_of
            else f"{NO_ACTUALS}：実績値が登録されていません。")
    counts = {g: sum(ev.grade == g for _, ev in rows) for g in GRADES}
    count_text = "、".join(f"{GRADE_SYMBOL[g]} {GRADE_LABEL[g]} {n}件" for g, n in counts.items() if n)
    return Report(f"推進管理 {fiscal_label(year)}年度{mark} 評価（{scope}）", _report_edition(edition, year),
                  note, count_text or "なし", lines, late, csv_columns(edition))


def _by_project(lines: list[dict[str, str]]) -> dict[str, list[dict[str, str]]]:
    by_project: dict[str, list[dict[str, str]]] = {}
    for ln in lines:
        by_project.setdefault(ln["project"], []).append(ln)
    return by_project


def report_csv(r: Report) -> str:
    """One row per KPI, the late ones first; 方針・対象期間 lead every row, and 対象期間内外 says
    whether the row's 評価年度 is in the period."""
    header = ["kpi_id", "連携地域", "プロジェクト", *(h for _, h in REPORT_COLUMNS), "評価年度",
              PERIOD_COLUMN]
    cells = (
        [ln["id"], ln["region"], formula_safe(ln["project"]),
         *(formula_safe(ln[c]) for c, _ in REPORT_COLUMNS), ln["year"], ln["in_period"]]
        for ln in sorted(r.lines, key=lambda x: x not in r.late)
    )
    return excel_csv(header, cells, about=r.edition_about)


def report_md(r: Report) -> str:
    """The report as Markdown. Every text from the data (titles, names, KPIs, sources, reasons) is
    escaped for Markdown and for HTML (:func:`_md`, issue 26): a renderer shows it as written, and
    an ``<img onerror>`` or a ``[x](javascript:…)`` in a cell stays text, never markup or a link."""
    md = [f"# {_md(r.title)}", ""]
    md += [_md_line(r.edition), ""] if r.edition else []
    md += [_md_line(r.note), "", f"評価の内訳：{_md(r.counts)}", ""]
    md += ["## 遅れている KPI（C・D・未達成）", ""]
    md += _md_table(r.late) if r.late else ["なし", ""]
    for project, items in _by_project(r.lines).items():
        md += [f"## {_md(project)}", "", *_md_table(items)]
    return "\n".join(md)


def report_html(r: Report) -> str:
    e = html.escape
    about = f"{r.title}：KPI ごとの評価と実績" + (f"。{r.edition}" if r.edition else "")
    parts = [
        '<!doctype html><html lang="ja"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta name="description" content="{e(about)}">'
        f"<title>{e(r.title)}</title></head><body><main>",
        f"<h1>{e(r.title)}</h1>",
        f'<p class="edition">{e(r.edition)}</p>' if r.edition else "",
        f"<p>{e(r.note)}</p>",
        f"<p>評価の内訳：{e(r.counts)}</p>",
        "<h2>遅れている KPI（C・D・未達成）</h2>",
        _html_table(r.late) if r.late else "<p>なし</p>",
    ]
    for project, items in _by_project(r.lines).items():
        parts += [f"<h2>{e(project)}</h2>", _html_table(items)]
    parts.append("</main></body></html>")
    return "\n".join(p for p in parts if p)


REPORT_FORMATS = {"csv": report_csv, "md": report_md, "html": report_html}


def build_report(
    plan: Plan,
    actuals: Actuals,
    year: int,
    region: str | None,
    thresholds: Thresholds,
    fmt: str,
    today: dt.date | None = None,
    *,
    edition: Edition | None = None,
) -> str:
    """The 連携会議 material for ``year`` as md, csv or html; it names ``edition`` and its period
    first, and says when ``year`` is outside that period."""
    if fmt not in REPORT_FORMATS:
        raise ValueError(f"format: must be md, csv or html, not {fmt!r}")
    return REPORT_FORMATS[fmt](make_report(plan, actuals, year, region, thresholds, edition))


# Markdown's inline punctuation (emphasis, code, links and images, tables, strikethrough, headings'
# closing #) is escaped with a backslash; &, < and > become entities, so no HTML tag, entity or
# autolink (<javascript:…>) can form, and without [ ] no link of any kind can.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]!|~#])")
_MD_BLOCK_START = re.compile(r"^(?:[+\-=]|\d+(?=[.)]))")  # a list, a setext line, a numbered list
_LINE_BREAKS = re.compile("[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]+")


def _md(text: str) -> str:
    """``text`` as Markdown that shows exactly ``text``, on one line (a table cell, a heading)."""
    one_line = _LINE_BREAKS.sub(" ", text)  # a line break would end the cell or the heading
    return _MD_SPECIAL.sub(r"\\\1", html.escape(one_line, quote=False))


def _md_line(text: str) -> str:
    """``text`` as a paragraph of its own: also no list, heading or rule from how it begins."""
    escaped = _md(text.strip(" \t"))  # four spaces in front would make it a code block
    m = _MD_BLOCK_START.match(escaped)
    if m is None:
        return escaped
    if m.group(0)[:1].isdigit():  # 1. / 1) : escape the . or ) after the number
        end = m.end()
        return escaped[:end] + "\\" + escaped[end:]
    return "\\" + escaped


def _md_table(items: list[dict[str, str]]) -> list[str]:
    out = ["| " + " | ".join(h for _, h in REPORT_COLUMNS) + " |", "|" + "---|" * len(REPORT_COLUMNS)]
    out += ["| " + " | ".join(_md(it[c]) for c, _ in REPORT_COLUMNS) + " |" for it in items]
    return [*out, ""]


def _html_table(items: list[dict[str, str]]) -> str:
    e = html.escape
    head = "".join(f'<th scope="col">{e(h)}</th>' for _, h in REPORT_COLUMNS)
    body = "".join(
        "<tr>" + "".join(f"<td>{e(it[c])}</td>" for c, _ in REPORT_COLUMNS) + "</tr>" for it in items
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def summaries_json(plan: Plan, grades: dict[str, Evaluation]) -> dict[str, Any]:
    return {
        level: {key: s.model_dump() for key, s in areas.items()}
        for level, areas in area_summaries(plan, grades).items()
    }
