"""The search box's index as JSON, for ``geo/web/static/search.js`` to search in the browser.

The static export has no server, so ``/api/search`` cannot answer there: the page searches
itself. For the two to give the same hits, in the same order, with the same texts, this data
carries what :class:`geo.plan.search.SearchIndex` matches against *and* the tables of every
query-side transform, taken from the Python code that does them rather than copied by hand:

- labels and details of every hit, from the index's own hit builders;
- the romaji keys of every reading, computed here (``romaji_key``), with their kana;
- the postal table (postal code → 5-digit code), grouped by code and delta-coded;
- jaconv's ``kata2hira`` table and the steps of ``kana2alphabet`` read from its source (a
  chain of ``str.replace``, one table, a loop for っ), checked against jaconv itself on build;
- the regular expressions of ``readings.py``, ``codes.py`` and ``search.py`` in JS syntax, with
  Python's ``\\s`` spelled out (JS's ``\\s`` is another set: it has U+FEFF, lacks U+001C–1F).

URLs are not in the data: a hit is kind + id, and the page makes its URL.

Format 1 (``places[i]`` etc. are objects; the keys are listed in :func:`search_data`).
"""

from __future__ import annotations

import ast
import gzip
import hashlib
import inspect
import json
import re
import sys
import textwrap
from collections.abc import Callable, Iterable, Mapping
from functools import cache
from itertools import pairwise
from typing import Any

import jaconv
import jaconv.conv_table

# The patterns and constants the Python search uses, read so that the JS cannot drift from them.
from geo.atlas.codes import _CODE, _WEIGHTS
from geo.atlas.readings import _KANA, _KUNREI, _LOOSE, _ROMAJI, romaji_key
from geo.plan.search import _KIND_ORDER, _POSTAL, MAX_QUERY, MAX_RESULTS, Hit, SearchIndex

FORMAT = 1


def search_data(index: SearchIndex) -> dict[str, Any]:
    """Everything ``search.js`` needs to answer as ``index.search`` does; JSON-ready, deterministic.

    Keys: ``format``, ``version`` (a hash of the rest), ``limits`` (``results``, ``query``),
    ``kinds`` (in ranking order), ``places`` (``code``, ``label``, ``detail``, ``penalty``,
    ``names``, ``readings``: ``[kana, [romaji keys]]``), ``wards`` (ward code → city code),
    ``projects``/``subprefectures``/``regions`` (``id``, ``label``, ``detail``, ``names``; a
    振興局 also has ``key``, the romaji key of its id), ``postal`` (code → delta-coded postal
    codes, see :func:`postal_table`) and ``text`` (the query-side tables, :func:`text_tables`).
    """
    data: dict[str, Any] = {
        "format": FORMAT,
        "limits": {"results": MAX_RESULTS, "query": MAX_QUERY},
        "kinds": sorted(_KIND_ORDER, key=_KIND_ORDER.__getitem__),
        "places": _places(index),
        "wards": {w.code: w.city_code for w in index.atlas.wards},
        "projects": _projects(index),
        "subprefectures": _subprefectures(index),
        "regions": _regions(index),
        "postal": postal_table(index.readings.postal),
        "text": text_tables(),
    }
    return {"version": _digest(data), **data}


def search_data_bytes(data: Mapping[str, Any]) -> bytes:
    """The data as compact UTF-8 JSON (kana and kanji unescaped: ``\\uXXXX`` would triple them)."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def gzip_size(data: Mapping[str, Any]) -> int:
    """Bytes of the compact JSON after gzip -9: what a page pays to download it."""
    return len(gzip.compress(search_data_bytes(data), 9, mtime=0))


def _digest(data: Mapping[str, Any]) -> str:
    canonical = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


# --- what is searched -----------------------------------------------------------------------


def _places(index: SearchIndex) -> list[dict[str, Any]]:
    """Municipalities, 北方領土 and wards, in the index's order (the order ties are kept in)."""
    out = []
    # The index's prepared places (same package): their labels, names and keys are the ones
    # the Python search uses, so nothing is derived twice.
    for code, place in index._places.items():
        out.append({
            "code": code,
            "label": place.hit.label,
            "detail": place.hit.detail,
            "penalty": place.penalty,
            # Order and repeats do not change a rank (the best of them counts): dedupe only.
            "names": list(dict.fromkeys(n for n in place.names if n)),
            "readings": _reading_groups(place.keys),
        })
    return out


def _reading_groups(keys: Iterable[tuple[str, str]]) -> list[list[Any]]:
    """``(key, kana)`` pairs as ``[kana, [keys]]`` runs, in order: of two keys of one rank the
    first one's kana is shown, so the order is kept exactly (runs of one kana are merged)."""
    groups: list[list[Any]] = []
    for key, kana in keys:
        if groups and groups[-1][0] == kana:
            groups[-1][1].append(key)
        else:
            groups.append([kana, [key]])
    return groups


def _own_hit(hits: Iterable[Hit], ident: str) -> Hit:
    """The hit on ``ident`` among ``hits``: its label and detail as the Python search writes them."""
    return next(h for h in hits if h.id == ident)


def _projects(index: SearchIndex) -> list[dict[str, Any]]:
    out = []
    for p in index.plan.projects:
        hit = _own_hit(index._project_hits(p.name), p.id)
        out.append({"id": p.id, "label": hit.label, "detail": hit.detail, "names": list(p.names)})
    return out


def _subprefectures(index: SearchIndex) -> list[dict[str, Any]]:
    out = []
    for s in index.atlas.hierarchy.subprefectures:
        hit = _own_hit(index._subprefecture_hits(s.name), s.id)
        out.append({"id": s.id, "label": hit.label, "detail": hit.detail, "names": [s.short, s.name],
                    "key": romaji_key(s.id)})
    return out


def _regions(index: SearchIndex) -> list[dict[str, Any]]:
    out = []
    for reg in index.atlas.hierarchy.regions:
        hit = _own_hit(index._region_hits(reg.full_name), reg.id)
        out.append({"id": reg.id, "label": hit.label, "detail": hit.detail,
                    "names": [reg.name, reg.full_name]})
    return out


# --- postal codes ---------------------------------------------------------------------------


def postal_table(postal: Mapping[str, str]) -> dict[str, list[int]]:
    """5-digit code → its postal codes, sorted, as numbers: the first, then each one's distance
    from the one before. A town's postal codes are close together, so the gaps are small
    numbers: ~4.6 KB gzipped for Hokkaido's 9,210 codes, against ~21 KB as a plain mapping."""
    by_code: dict[str, list[int]] = {}
    for postal_code, code in postal.items():
        by_code.setdefault(code, []).append(int(postal_code))
    out = {}
    for code, numbers in sorted(by_code.items()):
        numbers.sort()
        out[code] = [numbers[0], *(b - a for a, b in pairwise(numbers))]
    return out


def postal_codes(table: Mapping[str, list[int]]) -> dict[str, str]:
    """The mapping :func:`postal_table` encodes (7-digit postal code → code), as search.js reads it."""
    out = {}
    for code, deltas in table.items():
        number = 0
        for delta in deltas:
            number += delta
            out[f"{number:07d}"] = code
    return out


# --- query-side text tables -----------------------------------------------------------------


def text_tables() -> dict[str, Any]:
    """The tables of ``normalize``, ``is_kana``/``is_romaji``, ``romaji_key`` and the postal and
    code patterns, in the form search.js applies them."""
    return {
        "whitespace": _whitespace_class(),
        "patterns": {
            "postal": js_regex(_POSTAL), "kana": js_regex(_KANA), "romaji": js_regex(_ROMAJI),
            "code": js_regex(_CODE),
        },
        # Applied in order with the "g" flag: Kunrei → Hepburn, then the loose spellings.
        "romajiRules": [[js_regex(p), _js_replacement(repl)] for p, repl in (*_KUNREI, *_LOOSE)],
        "checkWeights": list(_WEIGHTS),
        "kata2hira": _kata2hira_table(),
        "kana2alphabet": kana2alphabet_steps(),
    }


@cache
def _python_whitespace() -> str:
    """Every character ``str.split()`` splits on, and Python's ``\\s`` matches (both are
    ``str.isspace``); all are in the BMP."""
    return "".join(chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace())


def _whitespace_class() -> str:
    """Python's whitespace as the inside of a JS character class (``\\uXXXX`` escapes)."""
    return "".join(f"\\u{ord(c):04x}" for c in _python_whitespace())


# Escapes whose meaning is the same in Python and JS regexes; \s is rewritten, the rest
# (\d, \w, \b: Unicode-aware in Python, ASCII in JS) are refused rather than mistranslated.
_SAME_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|[1-9]|[^0-9A-Za-z])")


def js_regex(pattern: re.Pattern[str]) -> str:
    """The source of ``pattern`` for a JS ``RegExp`` (no ``u`` flag) that matches the same text.

    Python's ``\\s`` becomes its own whitespace set; an escape or flag that may differ between
    the two engines is an error, so a pattern edited in Python cannot silently mean something
    else in the browser."""
    if pattern.flags & ~re.UNICODE:
        raise ValueError(f"flags of {pattern.pattern!r} have no JS equivalent here")
    out, in_class, i, src = [], False, 0, pattern.pattern
    while i < len(src):
        ch = src[i]
        if ch == "\\":
            piece, i = _js_escape(src, i, in_class)
            out.append(piece)
            continue
        if ch == "(" and src.startswith("(?P", i):
            raise ValueError(f"named group in {src!r}: write it without a name")
        in_class = (in_class or ch == "[") and not (in_class and ch == "]")
        out.append(ch)
        i += 1
    return "".join(out)


def _js_escape(src: str, i: int, in_class: bool) -> tuple[str, int]:
    """The JS form of the escape at ``src[i]`` and the index after it."""
    if src.startswith("\\s", i):
        return (_whitespace_class() if in_class else f"[{_whitespace_class()}]"), i + 2
    same = _SAME_ESCAPE.match(src, i)
    if not same:
        raise ValueError(f"escape {src[i:i + 2]!r} in {src!r} may differ in JS")
    return same.group(0), same.end()


def _js_replacement(repl: str) -> str:
    r"""A Python ``re.sub`` replacement (``\1``) as a JS one (``$1``; a literal ``$`` doubled)."""
    if re.search(r"\\(?![1-9])", repl):
        raise ValueError(f"replacement {repl!r}: only \\1–\\9 are translated")
    return re.sub(r"\\([1-9])", r"$\1", repl.replace("$", "$$"))


def _kata2hira_table() -> list[str]:
    """jaconv's katakana → hiragana table as two strings of equal length: ``from``, ``to``."""
    table = jaconv.conv_table.K2H_TABLE
    sources = "".join(chr(k) for k in sorted(table))
    targets = "".join(table[k] for k in sorted(table))
    if len(sources) != len(targets) or any(ord(c) > 0xFFFF for c in sources + targets):
        raise ValueError("jaconv's K2H_TABLE is no longer one BMP character to one")
    return [sources, targets]


def kana2alphabet_steps() -> dict[str, Any]:
    """The steps of ``jaconv.kana2alphabet``, read from its source: ``replace`` (pairs applied
    in order, each to the whole text), ``table`` (then each character translated), ``sokuon``
    (then each っ doubles the letter after it). Any other shape of the function is an error:
    search.js would no longer do what it does."""
    fn = jaconv.kana2alphabet
    tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    body = [s for s in tree.body[0].body if not _is_docstring(s)]  # type: ignore[attr-defined]
    pairs: list[list[str]] = []
    while body and (chain := _replace_chain(body[0])) is not None:
        pairs += chain
        body = body[1:]
    shape = [type(s).__name__ for s in body]
    if shape != ["Assign", "While", "Return"] or not _is_call(body[0], "_convert"):
        raise ValueError(f"jaconv.kana2alphabet has changed shape ({shape}); review search.js")
    table = fn.__globals__[body[0].value.args[1].id]  # type: ignore[attr-defined]
    steps = {"replace": pairs, "table": {chr(k): v for k, v in sorted(table.items())},
             "sokuon": _sokuon(body[1])}
    _check_kana2alphabet(steps)
    return steps


def _is_docstring(stmt: ast.stmt) -> bool:
    return isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)


def _is_call(stmt: ast.stmt, name: str) -> bool:
    value = getattr(stmt, "value", None)
    return isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == name


def _replace_chain(stmt: ast.stmt) -> list[list[str]] | None:
    """``text = text.replace(a, b).replace(c, d)`` → ``[[a, b], [c, d]]``; None for another statement."""
    if not isinstance(stmt, ast.Assign):
        return None
    node, pairs = stmt.value, []
    while isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "replace":
        old, new = (ast.literal_eval(a) for a in node.args)
        pairs.append([old, new])
        node = node.func.value
    if not (pairs and isinstance(node, ast.Name) and node.id == "text"):
        return None
    return pairs[::-1]  # the outermost call is the last applied


def _sokuon(loop: ast.stmt) -> str:
    """The character of ``while 'っ' in text:``."""
    test = getattr(loop, "test", None)
    if not (isinstance(test, ast.Compare) and isinstance(test.left, ast.Constant)
            and isinstance(test.ops[0], ast.In)):
        raise ValueError("jaconv.kana2alphabet's っ loop has changed; review search.js")
    return str(test.left.value)


def kana2alphabet(steps: Mapping[str, Any], text: str) -> str:
    """``jaconv.kana2alphabet`` done from :func:`kana2alphabet_steps`, step for step as search.js
    does it: the check that the steps (and the loop both ports share) still match jaconv."""
    for old, new in steps["replace"]:
        text = text.replace(old, new)
    table, sokuon = steps["table"], steps["sokuon"]
    text = "".join(table.get(c, c) for c in text)
    while sokuon in text:
        chars = list(text)
        pos = chars.index(sokuon)
        if len(chars) <= pos + 1:  # a final っ: dropped, "xtsu" written
            return "".join(chars[:-1]) + "xtsu"
        chars[pos] = "xtsu" if pos == 0 or chars[pos + 1] == sokuon else chars[pos + 1]
        text = "".join(chars)
    return text


def _check_kana2alphabet(steps: Mapping[str, Any],
                         reference: Callable[[str], str] = jaconv.kana2alphabet) -> None:
    """Every kana alone and after っ, and っ at the start, the end and twice, convert as in jaconv."""
    kana = [chr(c) for c in range(0x3041, 0x3097)] + ["ー", "・", "ゝ", " "]
    probes = [*kana, *(k + "っ" + m for k in ("", "か") for m in kana), "っ", "かっ", "っっか", "きっちゃ"]
    wrong = [p for p in probes if kana2alphabet(steps, p) != reference(p)]
    if wrong:
        raise ValueError(f"kana2alphabet steps differ from jaconv on {wrong[:5]}; review search.js")


__all__ = ["FORMAT", "gzip_size", "js_regex", "kana2alphabet", "kana2alphabet_steps", "postal_codes",
           "postal_table", "search_data", "search_data_bytes", "text_tables"]
