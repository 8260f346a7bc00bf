/* Hokkaido map search: the search box answered in the browser, as /api/search answers it.
 *
 * HokkaidoSearch.create(data) takes the JSON of geo/plan/search_data.py and returns
 * { search: function (text, limit), version: data.version }; search gives
 *   { hits: [{kind, id, label, detail, match}], message: string|null, error: string|null }
 * with the hits, order and texts of geo.plan.search.SearchIndex.search, step for step:
 * NFKC + whitespace, 100 characters, postal code, 5/6-digit code, then names, readings
 * (kana or romaji through one loose key), projects, 振興局 and 連携地域, best 20.
 * `error` is the API's 400 message (a wrong check digit); `message` says a postal code or
 * code is not Hokkaido's. Hits carry kind + id only: the page makes the URLs.
 *
 * Every table and pattern comes from the data (read from the Python code that uses them), so
 * this file holds only the logic; tests/browser/test_search_js.py compares it with Python.
 * No eval, no Function: RegExp objects are built from the data's pattern sources.
 */
(function () {
  "use strict";

  var FORMAT = 1; // search_data.FORMAT: the layout of the data this file reads
  var SOKUON_FINAL = "xtsu";
  var READING_CONTAINS_FROM = 3; // as search.py: substrings of a reading only from 3 letters
  var NOT_LETTER = /[^a-z]/g;
  var LETTER = /\p{L}/u; // str.isalpha: categories L*

  function own(obj, key) { return Object.prototype.hasOwnProperty.call(obj, key); }

  // Python's len and slicing count code points; JS's .length counts UTF-16 units.
  function codePoints(s) { return Array.from(s); }

  function compareCodePoints(a, b) {
    var x = codePoints(a), y = codePoints(b), n = Math.min(x.length, y.length), i;
    for (i = 0; i < n; i += 1) {
      if (x[i] !== y[i]) { return x[i].codePointAt(0) - y[i].codePointAt(0); }
    }
    return x.length - y.length;
  }

  function fullMatcher(source) {
    var re = new RegExp("^(?:" + source + ")$");
    return function (text) { return re.exec(text); };
  }

  // --- text: the transforms of readings.py and search.py ----------------------------------

  function Text(t) {
    this.spaces = new RegExp("[" + t.whitespace + "]+");
    this.edgeSpaces = new RegExp("^[" + t.whitespace + "]+|[" + t.whitespace + "]+$", "g");
    this.postal = fullMatcher(t.patterns.postal);
    this.kana = fullMatcher(t.patterns.kana);
    this.romaji = fullMatcher(t.patterns.romaji);
    this.code = fullMatcher(t.patterns.code);
    this.rules = t.romajiRules.map(function (r) { return [new RegExp(r[0], "g"), r[1]]; });
    this.weights = t.checkWeights;
    this.kataHira = {};
    var from = t.kata2hira[0], to = t.kata2hira[1], i;
    for (i = 0; i < from.length; i += 1) { this.kataHira[from.charAt(i)] = to.charAt(i); }
    this.k2a = t.kana2alphabet;
  }

  /* search.normalize: NFKC, then Python's str.split() and " ".join. */
  Text.prototype.normalize = function (text) {
    return text.normalize("NFKC").split(this.spaces).filter(function (w) { return w !== ""; }).join(" ");
  };

  Text.prototype.strip = function (text) { return text.replace(this.edgeSpaces, ""); };

  Text.prototype.isKana = function (text) { return this.kana(text.normalize("NFKC")) !== null; };

  Text.prototype.isRomaji = function (text) { return this.romaji(text) !== null && LETTER.test(text); };

  /* jaconv.kata2hira (BMP table: one UTF-16 unit each). */
  Text.prototype.kataToHira = function (text) {
    var out = "", i, c;
    for (i = 0; i < text.length; i += 1) {
      c = text.charAt(i);
      out += own(this.kataHira, c) ? this.kataHira[c] : c;
    }
    return out;
  };

  /* jaconv.kana2alphabet: the replacements, the table, then its loop for っ, as jaconv does. */
  Text.prototype.kanaToAlphabet = function (text) {
    var k = this.k2a, i, chars, pos;
    for (i = 0; i < k.replace.length; i += 1) { text = text.split(k.replace[i][0]).join(k.replace[i][1]); }
    text = codePoints(text).map(function (c) { return own(k.table, c) ? k.table[c] : c; }).join("");
    while (text.indexOf(k.sokuon) !== -1) {
      chars = codePoints(text);
      pos = chars.indexOf(k.sokuon);
      if (chars.length <= pos + 1) { return chars.slice(0, -1).join("") + SOKUON_FINAL; }
      chars[pos] = (pos === 0 || chars[pos + 1] === k.sokuon) ? SOKUON_FINAL : chars[pos + 1];
      text = chars.join("");
    }
    return text;
  };

  /* readings.romaji_key: one loose spelling for kana or romaji. */
  Text.prototype.romajiKey = function (text) {
    var i;
    text = text.normalize("NFKC");
    if (this.isKana(text)) { text = this.kanaToAlphabet(this.kataToHira(text.normalize("NFKC"))); }
    text = text.toLowerCase().normalize("NFKD").replace(NOT_LETTER, "");
    for (i = 0; i < this.rules.length; i += 1) { text = text.replace(this.rules[i][0], this.rules[i][1]); }
    return text;
  };

  /* codes.check_digit: 11 − (Σ dᵢ·wᵢ mod 11), last digit. */
  Text.prototype.checkDigit = function (code5) {
    var total = 0, i;
    for (i = 0; i < 5; i += 1) { total += Number(code5.charAt(i)) * this.weights[i]; }
    return String((11 - (total % 11)) % 10);
  };

  // --- ranking ------------------------------------------------------------------------------

  /* search._rank: 0 exact, 1 prefix, 2 contains (if allowed), the best over names; null if none. */
  function rank(query, names, contains) {
    var best = null, i, name, r;
    for (i = 0; i < names.length; i += 1) {
      name = names[i];
      if (!name) { continue; }
      if (query === name) { r = 0; } else if (name.indexOf(query) === 0) { r = 1; } else if (contains && name.indexOf(query) !== -1) { r = 2; } else { continue; }
      best = best === null ? r : Math.min(best, r);
    }
    return best;
  }

  /* search._BestHits: the best-ranked hit of each thing; of equal ranks the first one added. */
  function BestHits(kindOrder) {
    this.hits = Object.create(null);
    this.kindOrder = kindOrder;
  }

  BestHits.prototype.add = function (hit) {
    var key = hit.kind + "\u0000" + hit.id;
    if (!(key in this.hits) || hit.rank < this.hits[key].rank) { this.hits[key] = hit; }
  };

  BestHits.prototype.ranked = function () {
    var order = this.kindOrder, hits = this.hits;
    var list = Object.keys(hits).map(function (k) {
      var h = hits[k];
      return { hit: h, labelLength: codePoints(h.label).length };
    });
    list.sort(function (a, b) {
      return (a.hit.rank - b.hit.rank) || (order[a.hit.kind] - order[b.hit.kind]) ||
        (a.labelLength - b.labelLength) || compareCodePoints(a.hit.id, b.hit.id);
    });
    return list.map(function (x) { return x.hit; });
  };

  // --- the index ----------------------------------------------------------------------------

  function postalMap(table) {
    var out = Object.create(null);
    Object.keys(table).forEach(function (code) {
      var number = 0;
      table[code].forEach(function (delta) {
        number += delta;
        out[("000000" + number).slice(-7)] = code;
      });
    });
    return out;
  }

  function Index(data) {
    var kindOrder = {};
    data.kinds.forEach(function (k, i) { kindOrder[k] = i; });
    this.kindOrder = kindOrder;
    this.text = new Text(data.text);
    this.maxResults = data.limits.results;
    this.maxQuery = data.limits.query;
    this.places = data.places;
    this.byCode = Object.create(null);
    var byCode = this.byCode;
    data.places.forEach(function (p) { byCode[p.code] = p; });
    this.wards = data.wards;
    this.projects = data.projects;
    this.subprefectures = data.subprefectures;
    this.regions = data.regions;
    this.postal = postalMap(data.postal);
  }

  function hit(kind, entry, id, rank, match) {
    return { kind: kind, id: id, label: entry.label, detail: entry.detail, rank: rank, match: match };
  }

  Index.prototype.placeHit = function (code, rank, match) {
    var p = this.byCode[code];
    return hit("municipality", p, p.code, rank + p.penalty, match);
  };

  /* A place's hit, then its city's for a Sapporo ward (the ward first, then 札幌市). */
  Index.prototype.withCity = function (code, match) {
    var hits = [this.placeHit(code, 0, match)];
    if (own(this.wards, code)) { hits.push(this.placeHit(this.wards[code], 0, match)); }
    return hits;
  };

  Index.prototype.search = function (text, limit) {
    var query = codePoints(this.text.normalize(String(text))).slice(0, this.maxQuery).join("");
    var answer = this.answer(query);
    var n = limit === undefined ? this.maxResults : limit;
    return {
      hits: answer.hits.slice(0, n).map(function (h) {
        return { kind: h.kind, id: h.id, label: h.label, detail: h.detail, match: h.match };
      }),
      message: answer.message || null,
      error: answer.error || null,
    };
  };

  Index.prototype.answer = function (query) {
    if (!query) { return { hits: [] }; }
    var postal = this.text.postal(query);
    if (postal) { return this.postalAnswer(postal[1] + postal[2]); }
    if (this.text.code(this.text.strip(query))) { return this.codeAnswer(query); }
    // The order of the adds matters: of two hits of one rank on one thing, the first is kept.
    var best = new BestHits(this.kindOrder);
    this.placeHits(query, best);
    if (this.text.isKana(query) || this.text.isRomaji(query)) { this.readingHits(query, best); }
    this.namedHits("project", this.projects, query, null, best);
    this.namedHits("subprefecture", this.subprefectures, query,
      this.text.isRomaji(query) ? this.text.romajiKey(query) : null, best);
    this.namedHits("region", this.regions, query, null, best);
    return { hits: best.ranked().slice(0, this.maxResults) };
  };

  Index.prototype.placeHits = function (query, best) {
    var self = this;
    this.places.forEach(function (p) {
      var r = rank(query, p.names, true);
      if (r !== null) { best.add(self.placeHit(p.code, r, "名前")); }
    });
  };

  /* Projects, 振興局 and 連携地域 by name; a 振興局 also by the romaji key of its id (shiribeshi). */
  Index.prototype.namedHits = function (kind, entries, query, key, best) {
    entries.forEach(function (e) {
      var r = rank(query, e.names, true);
      if (r === null && key && e.key) { r = rank(key, [e.key], false); }
      if (r !== null) { best.add(hit(kind, e, e.id, r, "名前")); }
    });
  };

  Index.prototype.readingHits = function (query, best) {
    var self = this, key = this.text.romajiKey(query);
    if (!key) { return; }
    var contains = key.length >= READING_CONTAINS_FROM; // ASCII: units are code points
    this.places.forEach(function (p) {
      var bestRank = null, kana = null;
      p.readings.forEach(function (group) {
        group[1].forEach(function (readingKey) {
          var r = rank(key, [readingKey], contains);
          if (r !== null && (bestRank === null || r < bestRank)) { bestRank = r; kana = group[0]; }
        });
      });
      if (bestRank !== null) { best.add(self.placeHit(p.code, bestRank, "読み：" + kana)); }
    });
  };

  Index.prototype.postalAnswer = function (digits) {
    var shown = digits.slice(0, 3) + "-" + digits.slice(3);
    var code = this.postal[digits];
    if (code === undefined) { return { hits: [], message: "郵便番号 " + shown + " は北海道の郵便番号にありません" }; }
    return { hits: this.withCity(code, "郵便番号 " + shown) };
  };

  /* codes.normalize_code, then the code's place (and its city for a ward), as search._code. */
  Index.prototype.codeAnswer = function (query) {
    var code = this.text.strip(query);
    if (code.length === 6) {
      var expected = this.text.checkDigit(code.slice(0, 5));
      if (code.charAt(5) !== expected) {
        // The API's 400: "q: " + the CodeError.
        return { hits: [], error: "q: wrong check digit in " + code + ": expected " + code.slice(0, 5) + expected };
      }
      code = code.slice(0, 5);
    }
    if (!(code in this.byCode)) { return { hits: [], message: "コード " + code + " は北海道の市町村にありません" }; }
    return { hits: this.withCity(code, "コード " + code) };
  };

  window.HokkaidoSearch = {
    create: function (data) {
      // A page cached with older data (or newer) must fail loudly, not answer differently.
      if (!data || data.format !== FORMAT) { throw new Error("search data format " + (data && data.format) + ", search.js reads " + FORMAT); }
      var index = new Index(data);
      return { search: function (text, limit) { return index.search(text, limit); }, version: data.version };
    },
  };
}());
