"""HTML error pages (エラーページ): in the page's language, with what to do next.

The JSON API keeps its ``{"error": …}`` contract (:mod:`geo.web.errors`); a page says the same
for people, in Japanese, and offers the next step: the search box, prefilled with what the
address asked for, and the nearest matches (search hits for the address's last segment, the
municipalities with the nearest codes, or ids spelled like it). The work is bounded: the
segment is cut to the search's own limit, and the search keeps its answers keyed on the
normalized text.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import dataclass

from flask import request, url_for
from werkzeug.exceptions import HTTPException

from geo.atlas.codes import CodeError, with_check_digit
from geo.plan.actuals_model import plan_kpis
from geo.plan.search import MAX_QUERY, normalize
from geo.web.searching import hit_url, search_index
from geo.web.state import State

TITLES = {
    400: "指定の内容が正しくありません",
    404: "ページが見つかりません",
    405: "この方法では開けません",
    413: "送られたデータが大きすぎます",
    414: "アドレスが長すぎます",
    429: "アクセスが集中しています",
    431: "リクエストのヘッダーが大きすぎます",
    503: "ただいま混み合っています",
}
# What to say when the view gave no sentence of its own (see geo.web.errors.fail).
SENTENCES = {
    400: "アドレスの「?」より後ろの指定に、このページで使えない値があります。",
    404: "このアドレスのページはありません。アドレスが変わったか、入力に誤りがあるかもしれません。",
    405: "このページは、この方法（HTTP メソッド）では開けません。",
    413: "送られたデータが、この地図が受け付ける大きさを超えています。",
    414: "アドレスが、この地図が受け付ける長さを超えています。",
    429: "短い時間にアクセスが集中しました。少し待ってから、もう一度開いてください。",
    503: "ただいま混み合っています。少し待ってから、もう一度開いてください。",
}
NEAREST = 5  # matches shown
_CODE_DIGITS = (5, 6)


def bad_code(code: str) -> str:
    """The page's sentence for a town code that is not one in form, or whose check digit is wrong."""
    text = code.strip()
    if len(text) == 6 and text.isascii() and text.isdigit():
        right = with_check_digit(text[:5])
        return (f"「{text}」の検査数字（6 桁目）が違います。{text[:5]} の検査数字を付けたコードは "
                f"{right} です。")
    return (f"「{code}」は市町村コードの形ではありません。市町村コードは 5 桁（例：01400）か、"
            "検査数字を付けた 6 桁（例：014001）の数字です。")


def unknown_code(code: str) -> str:
    """The page's sentence for a well-formed code of no municipality."""
    return f"市町村コード {code} の市町村は、北海道にありません。"


def no_such(what: str, key: str) -> str:
    """The page's sentence for a project, KPI, area… that this edition does not have."""
    # A space beside a Latin word (ID, KPI), as Japanese typesetting does: という ID の KPI は.
    lead = " " if what[:1].isascii() else ""
    tail = " " if what[-1:].isascii() else ""
    return f"「{key}」という{lead}{what}{tail}は、この版の計画にありません。"


@dataclass(frozen=True)
class Suggestion:
    """A page the visitor may have meant: its name, what it is, its URL."""

    label: str
    detail: str
    url: str


@dataclass(frozen=True)
class ErrorPage:
    """What an HTML error page says: heading, sentence, the text for the search box, matches."""

    code: int
    title: str
    sentence: str
    query: str
    nearest: tuple[Suggestion, ...]
    plain_url: str | None  # the same page without its query (a 400 on a bad parameter)


def error_page(s: State, exc: HTTPException) -> ErrorPage:
    """The error page for ``exc`` on the current request."""
    code = exc.code or 500
    sentence = getattr(exc, "page_message", None) or SENTENCES.get(code, "エラーが起きました。")
    query = asked_for(request.path) if code == 404 else ""
    nearest = tuple(suggestions(s, query)) if query else ()
    plain = request.path if code == 400 and request.query_string else None
    return ErrorPage(code, TITLES.get(code, "エラー"), sentence, query, nearest,
                     request.script_root + plain if plain else None)


def asked_for(path: str) -> str:
    """The last segment of ``path``, without a file extension, as the search would read it."""
    segment = next((part for part in reversed(path.split("/")) if part), "")
    stem, dot, ext = segment.rpartition(".")
    if dot and ext.isalnum() and len(ext) <= 5:  # 01400.json, map.js
        segment = stem
    return normalize(segment)[:MAX_QUERY]


def suggestions(s: State, query: str) -> Iterator[Suggestion]:
    """Up to :data:`NEAREST` pages close to ``query``: by code, by the search, by spelling."""
    found = list(_by_code(s, query)) or list(_by_search(query)) or list(_by_spelling(s, query))
    yield from found[:NEAREST]


def _by_code(s: State, query: str) -> Iterator[Suggestion]:
    """For a code of no municipality (01999): those with the nearest codes."""
    if not (query.isascii() and query.isdigit() and len(query) in _CODE_DIGITS):
        return
    wanted = int(query[:5])
    near = sorted(s.atlas.municipalities, key=lambda m: (abs(int(m.code) - wanted), m.code))
    for m in near[:3]:
        yield Suggestion(m.name, f"市町村コード {m.code}", url_for("pages.town", code=m.code))


def _by_search(query: str) -> Iterator[Suggestion]:
    try:
        answer = search_index().search(query, limit=NEAREST)
    except CodeError:  # a 6-digit code with a wrong check digit: nothing to suggest by search
        return
    for hit in answer.hits:
        yield Suggestion(hit.label, hit.detail, hit_url(hit.kind, hit.id))


def _by_spelling(s: State, query: str) -> Iterator[Suggestion]:
    """Projects, KPIs and areas whose id is spelled like ``query`` (a mistyped link)."""
    pages: dict[str, Suggestion] = {}
    for p in s.plan.projects:
        pages[p.id] = Suggestion(p.name, "プロジェクト", url_for("pages.project", pid=p.id))
    for kid, (p, k) in plan_kpis(s.plan).items():
        pages[kid] = Suggestion(k.title, f"KPI・{p.name}", url_for("pages.kpi", kid=kid))
    h = s.atlas.hierarchy
    for sub in h.subprefectures:
        pages[sub.id] = Suggestion(sub.name, "振興局", url_for("areas.subprefecture", key=sub.id))
    for reg in h.regions:
        pages[reg.id] = Suggestion(reg.full_name, "連携地域", url_for("areas.region", rid=reg.id))
    for key in difflib.get_close_matches(query.lower(), list(pages), n=NEAREST, cutoff=0.6):
        yield pages[key]
