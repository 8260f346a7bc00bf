/* The overview page: level and measure switches, the side panel, search, 現在地. */
// Run once the page is parsed: on / the map's scripts (this bundle) run before the rest exists.
window.HokkaidoMap.whenParsed(function () {
  "use strict";
  var app = document.getElementById("app");
  if (!app) { return; }
  var HM = window.HokkaidoMap;
  var LEVELS = ["municipalities", "subprefectures", "regions"];
  var overview = null;
  var level = "municipalities";
  var measure = "all";

  function el(tag, text, attrs) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = text; }
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    return node;
  }

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin" }).then(function (r) {
      return r.json().then(function (body) { return { ok: r.ok, status: r.status, body: body }; });
    });
  }

  /* --- level and measure ------------------------------------------------------------ */
  function apply() {
    if (!overview) { return; }
    var m = overview.measures[measure];
    LEVELS.forEach(function (lv) {
      var entry = HM.layers[lv];
      if (!entry) { return; }
      var data = m.levels[lv];
      HM.restyle(lv, data.values, data.classes, function (id) {
        var v = data.values[id];
        return v === undefined ? null : m.label + "：" + v + " 件";
      });
      if (lv === level) { entry.group.addTo(entry.map); } else { entry.map.removeLayer(entry.group); }
    });
    var legend = document.getElementById("measure-legend");
    var classes = m.levels[level].classes;
    legend.querySelector(".legend-title").textContent = "影響するプロジェクト数（" + m.label + "・" + overview.levels[level] + "）";
    var ul = legend.querySelector("ul");
    ul.textContent = "";
    classes.colors.forEach(function (c, i) {
      var li = el("li");
      var sw = el("span", null, { "class": "swatch", "aria-hidden": "true" });
      sw.style.background = c;
      li.appendChild(sw);
      li.appendChild(document.createTextNode(classes.labels[i] + " 件"));
      ul.appendChild(li);
    });
    // Said on every switch (aria-live): how many areas, of which level, coloured by what.
    document.getElementById("status").textContent = Object.keys(m.levels[level].values).length + " " +
      overview.levels[level] + "を、及ぶプロジェクト数（" + m.label + "）で色分けしています。";
    textAlternative(m);
    // The map's 「データ」 links follow too: the data of the map as it is now (views.py
    // overview_arg names it; the file name is the same in the static export).
    var subject = level === LEVELS[0] && measure === "all" ? "hokkaido" : level + "." + measure.replace(":", "-");
    document.querySelectorAll("#" + app.dataset.map + "-licence a[href*='/overview/']").forEach(function (a) {
      a.setAttribute("href", a.getAttribute("href").replace(/[^/]+(\.(csv|geojson))$/, subject + "$1"));
    });
  }

  /* The map's text alternative (summary, table, the panel's first text) follows the switches. */
  function textAlternative(m) {
    var name = overview.levels[level];
    var summary = "北海道の地図。" + name + "ごとに、及ぶプロジェクト（" + m.label + "）の数で色分けしています。";
    var sumEl = document.getElementById(app.dataset.map + "-summary");
    if (sumEl) { sumEl.textContent = summary + " 地図と同じ内容を表に示します。"; }
    // The map's name follows too (the server's title of the overview map, catalogue.py).
    var mapEl = document.getElementById(app.dataset.map);
    if (mapEl) { mapEl.setAttribute("aria-label", "地図：北海道 地域政策マップ：" + m.label + "（" + name + "別）"); }
    var first = document.getElementById("panel-level");
    if (first) { first.textContent = summary; }
    var table = document.querySelector("#map-table table");
    var entry = HM.layers[level];
    if (!table || !entry) { return; }
    var values = m.levels[level].values;
    table.querySelector("caption").textContent = name + "ごとの及ぶプロジェクト数（" + m.label + "）";
    table.querySelector("thead th").textContent = name;
    var body = el("tbody");
    Object.keys(entry.opts.feats).forEach(function (id) {
      var t = entry.opts.feats[id].t || [];
      var tr = el("tr");
      tr.appendChild(el("th", t[0], { scope: "row" }));
      tr.appendChild(el("td", t.slice(1).join("・")));
      tr.appendChild(el("td", values[id] === undefined ? "—" : String(values[id]), { "class": "num" }));
      body.appendChild(tr);
    });
    table.replaceChild(body, table.querySelector("tbody"));
  }

  document.querySelectorAll("#level input").forEach(function (input) {
    input.addEventListener("change", function () { level = input.value; apply(); remember(); });
  });
  document.getElementById("measure").addEventListener("change", function (e) {
    measure = e.target.value; apply(); remember();
  });

  /* --- side panel and the state in the URL: panel.js, loaded on first use ------------- */
  /* The panel's texts and the URL's state (?level=&measure=&town=|sub=|region=&q=) are needed
     only once the visitor picks something, or opens a link that carries a state: they come with
     the search bundle (search.js, panel.js, locate.js), not on the first paint's path. */
  var panel = document.getElementById("panel");
  var howTo = Array.prototype.slice.call(panel.childNodes);  // 地図の使い方, shown again on Back
  var panelTools = null;
  function withPanel(fn) {
    if (!panelTools) {
      panelTools = loadScript().then(function () {
        return window.HokkaidoPanel.create({
          app: app, HM: HM, el: el, getJSON: getJSON, panel: panel, howTo: howTo, input: input,
          query: function () { return query(); },
          state: function () { return { level: level, measure: measure }; },
          overview: function () { return overview; },
          show: function (lv, ms) {
            level = lv;
            measure = ms;
            document.querySelectorAll("#level input").forEach(function (r) { r.checked = r.value === level; });
            document.getElementById("measure").value = measure;
            apply();
          },
        });
      });
      panelTools.catch(function () {
        panelTools = null;
        panel.textContent = "表示の準備ができませんでした。ページを読み込み直してください。";
      });
    }
    return panelTools.then(fn);
  }
  function remember(replace) { withPanel(function (p) { p.remember(replace); }); }
  function select(object, id) { withPanel(function (p) { p.select(object, id, "user"); }); }
  document.addEventListener("hm:select", function (e) { select(e.detail.object, e.detail.id); });
  window.addEventListener("popstate", function () { if (overview) { withPanel(function (p) { p.restore(false); }); } });

  /* --- search (combobox with keyboard) ---------------------------------------------- */
  var input = document.getElementById("q");
  var list = document.getElementById("q-results");
  var message = document.getElementById("q-message");
  var results = [];
  var note = "";  // the API's word for an answer without hits
  var active = -1;
  var timer = null;
  var seq = 0;

  function render() {
    list.textContent = "";
    results.forEach(function (r, i) {
      var li = el("li", null, { role: "option", id: "q-opt-" + i, "aria-selected": String(i === active) });
      li.appendChild(document.createTextNode(r.label));
      li.appendChild(el("small", r.detail));
      li.addEventListener("mousedown", function (e) { e.preventDefault(); go(i); });
      list.appendChild(li);
    });
    list.hidden = results.length === 0;
    input.setAttribute("aria-expanded", String(!list.hidden));
    if (active >= 0) { input.setAttribute("aria-activedescendant", "q-opt-" + active); }
    else { input.removeAttribute("aria-activedescendant"); }
  }
  function go(i) {
    var r = results[i];
    if (r) { window.location.href = HM.href(r.url); }
  }
  /* Search and 現在地 run in the page: search.js (HokkaidoSearch: the same answers as
     /api/search) and locate.js (HokkaidoLocate: point in polygon on the page's topology), loaded
     with the search data on first use, so the static export needs no server and the first
     paint does not wait for them. */
  var tools = null;
  var script = null;
  function loadScript() {  // the search bundle: search.js, panel.js, locate.js
    if (!script) {
      script = new Promise(function (resolve, reject) {
        if (window.HokkaidoSearch) { resolve(); return; }
        var s = document.createElement("script");
        s.src = HM.href(app.dataset.searchJs);
        s.onload = function () { resolve(); };
        s.onerror = function () { reject(new Error("search.js")); };
        document.head.appendChild(s);
      });
      script.catch(function () { script = null; });
    }
    return script;
  }
  function loadTools() {
    if (tools) { return tools; }
    tools = Promise.all([loadScript(), getJSON(app.dataset.searchData)]).then(function (got) {
      return { search: window.HokkaidoSearch.create(got[1].body), locate: window.HokkaidoLocate };
    });
    tools.catch(function () { tools = null; });  // try again on the next keystroke
    return tools;
  }
  var HIT_PAGE = { municipality: "town", project: "project", subprefecture: "subPage", region: "regionPage" };
  function hitUrl(hit) {
    return app.dataset[HIT_PAGE[hit.kind]].replace("__id__", encodeURIComponent(hit.id));
  }
  function query() {
    var text = input.value.trim();
    var mine = ++seq;
    if (!text) { results = []; note = ""; active = -1; render(); message.hidden = true; return Promise.resolve(); }
    return loadTools().then(function (t) {
      if (mine !== seq) { return; }
      var answer = t.search.search(text);
      results = answer.hits.map(function (h) { return { label: h.label, detail: h.detail, url: hitUrl(h) }; });
      active = results.length ? 0 : -1;
      note = answer.error || answer.message || "";  // e.g. an unknown postal code
      render();
      // The search's own word (an unknown postal code) or ours; said visibly too when nothing
      // matched (the list stays closed then), not only to screen readers.
      var said = note || results.length + " 件見つかりました";
      if (!results.length && !note) { said = "「" + text + "」に当てはまる市町村・区・プロジェクトはありません"; }
      document.getElementById("status").textContent = said;
      message.textContent = results.length ? "" : said;
      message.hidden = results.length > 0;
    }, function () {
      if (mine !== seq) { return; }
      message.textContent = "検索の準備ができませんでした。ページを読み込み直してください。";
      message.hidden = false;
    });
  }
  input.addEventListener("focus", function () { loadTools(); });
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () { query(); remember(true); }, 150);
  });
  input.addEventListener("keydown", function (e) {
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      if (!results.length) { return; }
      e.preventDefault();
      active = (active + (e.key === "ArrowDown" ? 1 : results.length - 1)) % results.length;
      render();
    } else if (e.key === "Enter") {
      e.preventDefault();
      if (e.isComposing) { return; }  // IME: Enter confirms the conversion, not the search
      clearTimeout(timer);
      // Search now if the list is stale, then go to the highlighted (first) hit.
      query().then(function () { if (results.length) { go(active >= 0 ? active : 0); } });
    } else if (e.key === "Escape") {
      results = []; note = ""; active = -1; render(); message.hidden = true;
    }
  });
  input.addEventListener("blur", function () { setTimeout(function () { list.hidden = true; }, 200); });

  /* --- 現在地 ------------------------------------------------------------------------ */
  document.getElementById("locate").addEventListener("click", function () {
    var status = document.getElementById("status");
    if (!navigator.geolocation) { status.textContent = "この端末では現在地を使えません"; return; }
    var entry = HM.layers.municipalities;
    var finder = entry ? Promise.all([loadTools(), HM.topology(entry.opts.topology)]).then(function (got) {
      return got[0].locate.create(got[1]);
    }) : null;
    navigator.geolocation.getCurrentPosition(function (pos) {
      var lat = pos.coords.latitude, lon = pos.coords.longitude;
      if (!finder) { return; }
      finder.then(function (f) {
        var hit = f.locate(lat, lon);
        if (!hit) { panel.textContent = "現在地は北海道の市町村の中にありません"; status.textContent = panel.textContent; return; }
        select("municipalities", hit.code);
        entry.map.setView([lat, lon], 10);
      });
    }, function (err) { status.textContent = "現在地を取得できませんでした：" + err.message; panel.textContent = status.textContent; });
  });

  // Fetched once the page is parsed, not preloaded: a preload competed with the map's scripts for
  // the first connections, and the switches need it only once every level is built.
  getJSON(app.dataset.overview).then(function (res) {
    overview = res.body;
    HM.ready.then(function () {
      apply();
      if (window.location.search) { withPanel(function (p) { p.restore(true); }); }  // a shared link
    });
  });
});
