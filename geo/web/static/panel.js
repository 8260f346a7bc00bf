/* The overview's side panel and its state in the URL (on /, with index.js).
 *
 * Loaded with the search (the search bundle), on first use: a pick on the map, a switch, 現在地,
 * or a link that carries a state. The state is ?level=&measure=&town=|sub=|region=&q=, the
 * defaults (市町村, すべて) left out; Back and Forward step through the picks. Every data text
 * is inserted with textContent, never as HTML.
 */
(function () {
  "use strict";
  var LEVELS = ["municipalities", "subprefectures", "regions"];
  var OBJECT_PARAM = { municipalities: "town", subprefectures: "sub", regions: "region" };
  var NOT_FOUND = {
    municipalities: function (id) { return "市町村コード「" + id + "」の市町村は、北海道にありません。"; },
    subprefectures: function (id) { return "「" + id + "」という振興局はありません。"; },
    regions: function (id) { return "「" + id + "」という連携地域はありません。"; },
  };

  /* ``ctx`` (index.js): app, HM, el, getJSON, panel, howTo, input, query(), state(),
     overview(), show(level, measure). */
  function create(ctx) {
    var app = ctx.app, HM = ctx.HM, el = ctx.el, getJSON = ctx.getJSON, panel = ctx.panel;
    var howTo = ctx.howTo, input = ctx.input;
    var selected = null;  // { object, id } of the area the panel shows
    var narrow = window.matchMedia("(max-width: 899px)");

    function showHowTo() {
      panel.textContent = "";
      howTo.forEach(function (n) { panel.appendChild(n); });
    }

    function backToMap() {  // on a phone the panel is under the map: a way back up to it
      var map = document.getElementById(app.dataset.map);
      var b = el("button", "地図に戻る", { type: "button", "class": "back-to-map" });
      b.addEventListener("click", function () { map.scrollIntoView({ block: "start" }); map.focus(); });
      return b;
    }

    function showArea(title, facts, projects, more) {
      panel.textContent = "";
      panel.appendChild(el("h2", title));
      facts.forEach(function (f) {  // text, or a node (a paragraph with links)
        if (f) { panel.appendChild(typeof f === "string" ? el("p", f) : f); }
      });
      panel.appendChild(el("h3", "及ぶプロジェクト（" + projects.length + "件）"));
      var ul = el("ul");
      projects.forEach(function (p) {
        var li = el("li");
        li.appendChild(el("a", p.name, { href: HM.href(app.dataset.project.replace("__id__", encodeURIComponent(p.id))) }));
        li.appendChild(document.createTextNode("【" + p.coverage_label + "】"));
        if (p.cross_region) { li.appendChild(el("span", "連携地域をまたぐ", { "class": "badge" })); }
        ul.appendChild(li);
      });
      panel.appendChild(ul);
      if (more) { panel.appendChild(more); }
      panel.appendChild(backToMap());
    }

    /* ※主なプロジェクトを掲載: the document names only some of the region's projects. */
    function unnamedNote(area, regionName) {
      if (!area || !area.main_projects_only || !area.projects_unnamed) { return null; }
      return el("p", "※" + regionName + "について、計画書は全" + area.projects_stated + "件のうち主な" +
        area.projects_named + "件だけを挙げています（※主なプロジェクトを掲載）。ほかの" +
        area.projects_unnamed + "件は名前がないため、ここにも地図の件数にも入りません。", { "class": "unnamed-note" });
    }

    function pageLink(template, id, name) {  // the 振興局 / 連携地域 page
      var p = el("p");
      p.appendChild(el("a", name + "のページ（地図・プロジェクト・KPI）", { href: HM.href(template.replace("__id__", encodeURIComponent(id))) }));
      return p;
    }

    function known(object, id) {  // an area of the page's map: asked of the server only then
      var entry = HM.layers[object];
      return Boolean(entry && Object.prototype.hasOwnProperty.call(entry.opts.feats, id));
    }

    function notFound(object, id) {
      panel.textContent = "";
      panel.appendChild(el("h2", "見つかりません"));
      panel.appendChild(el("p", NOT_FOUND[object](id)));
      panel.appendChild(el("p", "地図の地域をクリック（タップ）するか、検索で探してください。"));
    }

    /* Show area ``id`` of ``object`` in the panel. ``how``: "user" (a click, a key, 現在地: the
       URL remembers it, and on a phone the panel is brought into view), "restore" (from the URL). */
    function select(object, id, how) {
      selected = { object: object, id: id };
      HM.highlight(object, id);
      if (how === "user") { remember(); }
      if (!known(object, id)) { notFound(object, id); return; }
      // URL templates (…/__id__), not a list's URL plus "/id": the export rewrites a URL that is a
      // file of its own (/api/municipalities → api/municipalities.json) and "/01400" would follow.
      var template = { municipalities: app.dataset.areaMuni, subprefectures: app.dataset.areaSub }[object] ||
        app.dataset.areaRegion;
      var url = template.replace("__id__", encodeURIComponent(id));
      getJSON(url).then(function (res) {
        var d = res.body;
        if (!res.ok) { notFound(object, id); return; }
        if (!selected || selected.object !== object || selected.id !== id) { return; }  // a later pick won
        showSelected(object, d);
        if (how === "user" && narrow.matches) { panel.scrollIntoView({ block: "start" }); }
      }, function () {
        panel.textContent = "データを読み込めませんでした。ページを読み込み直してください。";
      });
    }

    function showSelected(object, d) {
      if (object === "municipalities") {
        var link = el("p");
        link.appendChild(el("a", d.name + "のページ（施策・KPI）", { href: HM.href(app.dataset.town.replace("__id__", d.code)) }));
        var where = el("p");  // the 振興局 and 連携地域 link to their pages, as everywhere they are named
        where.appendChild(el("a", d.subprefecture_name, { href: HM.href(app.dataset.subPage.replace("__id__", encodeURIComponent(d.subprefecture_id))) }));
        where.appendChild(document.createTextNode("・"));
        where.appendChild(el("a", d.region_name, { href: HM.href(app.dataset.regionPage.replace("__id__", encodeURIComponent(d.region))) }));
        var facts = [where, "中核都市：" + d.core_city.name];
        if (d.northern_territory) { facts.push("北方領土（179市町村に含まれない）"); }
        if (d.region_projects_unnamed) {
          facts.push("このほか、" + d.region_name + "には計画書が名前を挙げないプロジェクトが " + d.region_projects_unnamed + " 件あります。");
        }
        showArea(d.full_name, facts, d.projects, link);
      } else if (object === "subprefectures") {
        showArea(d.name, [d.region_name, "市町村数：" + d.municipalities.length, unnamedNote(d.area, d.region_name)],
          d.projects, pageLink(app.dataset.subPage, d.id, d.name));
      } else {
        showArea(d.full_name, ["中核都市：" + d.core_city.name, d.vision,
          "プロジェクト：全" + d.projects_stated + "件（名前のあるもの " + d.projects_named + "件）",
          unnamedNote(d.area, d.full_name)], d.projects,
          pageLink(app.dataset.regionPage, d.id, d.full_name));
      }
    }

    /* --- the state in the URL: ?level=&measure=&town=|sub=|region=&q= ---------------------- */
    /* A resident can send the link; Back and Forward step through the picks. The defaults
       (市町村, すべて) are left out, so the plain page keeps its plain address. */
    function stateURL() {
      var params = new URLSearchParams();
      var now = ctx.state();
      if (now.level !== LEVELS[0]) { params.set("level", now.level); }
      if (now.measure !== "all") { params.set("measure", now.measure); }
      if (selected) { params.set(OBJECT_PARAM[selected.object], selected.id); }
      var text = input.value.trim();
      if (text) { params.set("q", text); }
      var search = params.toString();
      return window.location.pathname + (search ? "?" + search : "") + window.location.hash;
    }
    function remember(replace) {
      var url = stateURL();
      if (url === window.location.pathname + window.location.search + window.location.hash) { return; }
      try {
        if (replace) { window.history.replaceState(null, "", url); } else { window.history.pushState(null, "", url); }
      } catch (e) { /* a browser that refuses it (some file:// pages): the page still works */ }
    }

    function restore(first) {
      var params = new URLSearchParams(window.location.search);
      var lv = params.get("level");
      var ms = params.get("measure");
      ctx.show(LEVELS.indexOf(lv) >= 0 ? lv : LEVELS[0],
        ms && Object.prototype.hasOwnProperty.call(ctx.overview().measures, ms) ? ms : "all");
      var picked = null;
      Object.keys(OBJECT_PARAM).forEach(function (object) {
        var id = params.get(OBJECT_PARAM[object]);
        if (id && !picked) { picked = { object: object, id: id.trim().slice(0, 100) }; }
      });
      if (picked) { select(picked.object, picked.id, "restore"); } else {
        selected = null;
        HM.highlight(null);
        showHowTo();
      }
      var q = (params.get("q") || "").slice(0, 100);
      if (q !== input.value) {
        input.value = q;
        ctx.query();
        if (q && first) { input.focus(); }  // the error page's search form sent it here
      }
    }

    return { select: select, remember: remember, restore: restore };
  }

  window.HokkaidoPanel = { create: create };
})();
