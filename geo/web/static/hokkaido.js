/* Hokkaido map runtime: draws the shared TopoJSON topology into Folium-built Leaflet maps.
 *
 * The geometry comes once per page from /api/geo/topology.json (cached, immutable); each
 * layer gets only small per-page data: ids, colours, tooltip/popup lines, links.
 * Every data text is inserted with textContent (never innerHTML), so names, 施策 and KPI
 * text stay text.
 */
(function () {
  "use strict";

  var topologies = {};

  function whenParsed(fn) {
    if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", fn); } else { fn(); }
  }

  function loadTopology(url) {
    // The page's topology script (maps/topology.js) registers it under its JSON URL.
    var given = (window.HokkaidoMapTopologies || {})[url];
    if (given && !topologies[url]) { topologies[url] = Promise.resolve(given); }
    if (!topologies[url]) {
      topologies[url] = fetch(url, { credentials: "same-origin" }).then(function (r) {
        if (!r.ok) { throw new Error("topology " + r.status); }
        return r.json();
      });
    }
    return topologies[url];
  }

  function lines(list, cls) {
    var box = document.createElement("div");
    box.className = cls || "hm-tip";
    (list || []).forEach(function (text, i) {
      var el = document.createElement(i === 0 ? "strong" : "div");
      el.textContent = text;
      box.appendChild(el);
    });
    return box;
  }

  function text(value) {
    var el = document.createElement("span");
    el.textContent = value;
    return el;
  }

  function classColor(value, classes) {
    if (value === null || value === undefined || !classes) { return null; }
    for (var i = 0; i < classes.breaks.length; i++) {
      if (value <= classes.breaks[i]) { return classes.colors[i]; }
    }
    return classes.colors[classes.colors.length - 1];
  }

  var HM = {
    layers: {},
    maps: {},
    text: text,
    lines: lines,
    whenParsed: whenParsed,
    classColor: classColor,
    ready: null,
    topology: loadTopology,  // the page's topology (a promise), once per URL: 現在地 reuses it
    /* The address a script-built link opens: the URL itself, or in a static export (file://,
       any host and sub-path) the exported file the export's shim maps it to. */
    href: function (url) {
      var exported = window.HOKKAIDO_MAP_EXPORT;
      return exported && exported.href ? exported.href(url) : url;
    },
  };
  var readyResolve;
  HM.ready = new Promise(function (resolve) { readyResolve = resolve; });
  var pending = 0;

  /* Per-area data: opts.feats[id], one object per area id of the layer's topology object,
     written by Feature.to_wire() in geo/render/maps.py (Feature documents the same keys).
     One-letter keys, since a map script repeats them for up to ~190 areas. Every key is
     optional: a missing one means "none", and an area missing from feats is drawn in the base
     style (on an "only" layer, not drawn at all).
       c  string: fill colour over opts.base (else the layer's values/classes colour, if any)
       t  array of strings: tooltip lines, the area's name first (also the keyboard's live text)
       p  array of strings: popup lines; a click, Enter or Space opens them (then h is not used)
       s  object: more Leaflet path options for this area only, e.g. {"dashArray": "5 3"}
       h  string: URL that a click, Enter or Space opens (when there is no popup)
     Every string is data and is shown with textContent, never as HTML. */
  function styleFor(entry, id) {
    var opts = entry.opts;
    var feat = opts.feats[id] || {};
    var style = Object.assign({}, opts.base || {});
    var fill = feat.c || classColor(entry.values ? entry.values[id] : undefined, entry.classes);
    if (fill) { style.fillColor = fill; }
    if (feat.s) { Object.assign(style, feat.s); }
    if (entry.selected === id) {  // the area the overview's panel shows: a dark, thicker outline
      style.color = "#000";
      style.opacity = 1;
      style.weight = (style.weight || 1) + 2;
    }
    return style;
  }

  function tipFor(entry, id) {
    var feat = entry.opts.feats[id] || {};
    var list = (feat.t || []).slice();
    if (entry.extraTip) {
      var extra = entry.extraTip(id);
      if (extra) { list.push(extra); }
    }
    return lines(list);
  }

  /* Leaflet speaks Japanese on this lang="ja" site. The layers toggle's title is hard-coded in
     Leaflet, so it is set after the control builds its layout. */
  L.Control.Zoom.mergeOptions({ zoomInTitle: "ズームイン", zoomOutTitle: "ズームアウト" });
  var initLayers = L.Control.Layers.prototype._initLayout;
  L.Control.Layers.include({
    _initLayout: function () {
      initLayers.call(this);
      this._layersLink.title = "レイヤー";
      this._layersLink.setAttribute("aria-label", "レイヤー（表示の切り替え）");
    },
  });
  var initPopup = L.Popup.prototype._initLayout;
  L.Popup.include({
    _initLayout: function () {
      initPopup.call(this);
      var close = this._container.querySelector(".leaflet-popup-close-button");
      if (close) { close.setAttribute("aria-label", "閉じる"); close.title = "閉じる"; }
    },
  });
  // Chromium makes every SVG path with a focus listener a tab stop; Leaflet adds one per
  // tooltip-bearing path (~190 on the overview). The map is one tab stop instead, and the
  // keyboard scheme below moves between areas.
  L.Layer.prototype._addFocusListenersOnLayer = function () {};

  function setupMap(map) {
    var id = map.getContainer().id;
    if (HM.maps[id]) { return; }
    HM.maps[id] = map;
    // Filled areas get their own pane under Leaflet's overlay pane, so the 中核都市 markers and
    // project outlines (drawn synchronously, before the topology arrives) stay on top; the
    // keyboard outline has one above both.
    map.createPane("hmAreas").style.zIndex = 390;
    var focusPane = map.createPane("hmFocus");
    focusPane.style.zIndex = 620;
    focusPane.style.pointerEvents = "none";
    // The credit line is the figure's caption in the HTML; with a map it is shown once, on it.
    // The map's box carries it too: the caption is parsed only after this script has run.
    var credit = map.getContainer().getAttribute("data-credit");
    if (credit && map.attributionControl) {
      map.attributionControl.setPrefix(false);
      map.attributionControl.addAttribution(credit.replace(/[&<>]/g, ""));
      map.getContainer().parentNode.classList.add("hm-credited");
    }
    keyboard(map);
    followBox(map);
  }

  /* The map's scripts run right after its box, before the rest of the page is parsed: in an
     embed the box's height is known only once the caption under it is laid out, and opening the
     embed's table shrinks it again. Leaflet measures its box once, so it is told of every change;
     while the user has not moved the map, the first view (the fit) is fitted again. */
  var fits = {};
  function followBox(map) {
    var box = map.getContainer();
    var touched = false;
    ["pointerdown", "wheel", "keydown", "touchstart"].forEach(function (type) {
      box.addEventListener(type, function () { touched = true; }, { passive: true, once: true });
    });
    if (!window.ResizeObserver) { return; }
    new ResizeObserver(function () {
      var before = map.getSize();
      map.invalidateSize({ animate: false });
      if (before.equals(map.getSize())) { return; }
      var fit = fits[box.id];
      if (fit && !touched) { map.fitBounds(fit.bounds, fit.options); }
    }).observe(box);
  }

  /* What a click on area ``id`` of ``entry`` does: select it (overview), open its popup, or
     follow its link. Enter and Space do the same. */
  function activate(entry, id, latlng, keyboard) {
    var opts = entry.opts;
    var feat = opts.feats[id] || {};
    if (opts.select) {
      document.dispatchEvent(new CustomEvent("hm:select",
        { detail: { key: opts.key, object: opts.object, id: id } }));
    } else if (feat.p) {
      if (keyboard) { entry.byId[id].openPopup(latlng); }  // a click opens the bound popup itself
    } else if (feat.h) {
      window.location.href = HM.href(feat.h);
    }
  }

  /* Resolves when the browser is idle (after the first paint and any input or other tasks). */
  function idle() {
    return new Promise(function (resolve) {
      if (window.requestIdleCallback) { window.requestIdleCallback(function () { resolve(); }, { timeout: 3000 }); }
      else { setTimeout(resolve, 50); }
    });
  }

  function weightOf(entry) { return (entry.opts.base && entry.opts.base.weight) || 1; }

  /* Fill ``group`` (an L.FeatureGroup already known to the layer control) from the topology:
     one L.geoJSON for the whole object, with shared handlers (not one layer per area). */
  HM.topoLayer = function (map, group, opts) {
    var entry = { map: map, group: group, opts: opts, byId: {}, values: opts.values || null,
                  classes: opts.classes || null, extraTip: null, layer: null };
    HM.layers[opts.key] = entry;
    setupMap(map);
    var pane = (opts.merge || (opts.base && opts.base.fill === false)) ? "overlayPane" : "hmAreas";
    var interactive = opts.interactive !== false;
    pending += 1;
    var built = false;
    function build(topo) {
      if (built) { return; }
      built = true;
      var object = topo.objects[opts.object];
      var geoms = object.geometries.filter(function (g) {
        return !opts.only || Object.prototype.hasOwnProperty.call(opts.feats, g.id);
      });
      var layer;
      if (opts.merge) {
        // One outline for the union (a project's 振興局 as one area), not one per piece.
        layer = L.geoJSON(topojson.merge(topo, geoms), { style: Object.assign({}, opts.base), pane: pane,
                                                        interactive: Boolean(opts.mergeTip) });
        if (opts.mergeTip) { layer.bindTooltip(lines(opts.mergeTip), { sticky: true }); }
        entry.byId["*"] = layer;
      } else {
        var collection = topojson.feature(topo, { type: "GeometryCollection", geometries: geoms });
        layer = L.geoJSON(collection, {
          pane: pane,
          interactive: interactive,
          style: function (f) {
            var nt = f.properties && f.properties.nt && opts.object === "municipalities";
            // The classes let tests and styles find one area.
            var cls = (nt ? "hm-nt" : "hm-area hm-" + opts.object) + " hm-id-" + f.id;
            return Object.assign(styleFor(entry, f.id), { className: cls });
          },
          onEachFeature: function (f, l) {
            entry.byId[f.id] = l;
            // The few areas with a popup (a KPI's 振興局) carry it themselves; a click opens it.
            var p = (opts.feats[f.id] || {}).p;
            if (p && interactive) { l.bindPopup(function () { return lines(p, "hm-popup"); }, { maxWidth: 300 }); }
          },
        });
        if (interactive) {
          layer.bindTooltip(function (l) { return tipFor(entry, l.feature.id); }, { sticky: true });
          layer.on("click", function (e) { activate(entry, e.layer.feature.id, e.latlng); });
          layer.on("mouseover", function (e) { e.layer.setStyle({ weight: weightOf(entry) + 2 }); });
          layer.on("mouseout", function (e) { e.layer.setStyle(styleFor(entry, e.layer.feature.id)); });
        }
      }
      entry.layer = layer;
      if (opts.fit) {
        // Fitted before the areas are added, without animation: they are projected and drawn
        // once, at the final view (not drawn, animated, then redrawn).
        var b = L.latLngBounds([]);
        if (opts.fit === true) { b = layer.getBounds(); } else {
          opts.fit.forEach(function (fid) { if (entry.byId[fid]) { b.extend(entry.byId[fid].getBounds()); } });
        }
        if (b.isValid()) {
          var options = { padding: [8, 8], maxZoom: opts.maxZoom || 11, animate: false };
          fits[map.getContainer().id] = { bounds: b, options: options };
          map.fitBounds(b, options);
        }
      }
      layer.addTo(group);
      if (opts.back) { group.bringToBack(); }
    }
    loadTopology(opts.topology).then(function (topo) {
      // Layers shown now are drawn at once; hidden ones (other levels, switchable outlines) when
      // they are shown (synchronously, on the group's "add") or when the browser is idle, so
      // neither the first paint nor the first input waits for them.
      if (map.hasLayer(group)) { build(topo); return null; }
      group.once("add", function () { build(topo); });
      return idle().then(function () { build(topo); });
    }).catch(function (err) {
      if (window.console) { console.warn("map layer " + opts.key + ": " + err.message); }
    }).then(function () {
      pending -= 1;
      if (pending === 0) { readyResolve(); document.documentElement.dataset.mapReady = "1"; }
    });
  };

  /* --- keyboard: the map is one tab stop; arrows move between its areas ----------------- */

  /* The areas a key can reach: every area of a shown, clickable, per-area layer of this map. */
  function targets(map) {
    var out = [];
    Object.keys(HM.layers).forEach(function (key) {
      var entry = HM.layers[key];
      if (entry.map !== map || entry.opts.merge || entry.opts.interactive === false ||
          !map.hasLayer(entry.group)) { return; }
      // An area's centre walks its whole outline: kept per area, not redone on every key press.
      var centers = entry.centers || (entry.centers = {});
      Object.keys(entry.byId).forEach(function (fid) {
        var layer = entry.byId[fid];
        var c = centers[fid];
        if (!c) {
          try { c = centers[fid] = layer.getCenter(); } catch (e) {
            c = layer.getBounds().getCenter();  // not drawn yet: the bounds' centre will do, this once
          }
        }
        out.push({ entry: entry, id: fid, layer: layer, center: c });
      });
    });
    return out;
  }

  /* The nearest area whose centre lies in the direction of the arrow (a 90° cone), preferring
     straight lines: distance plus twice the sideways offset. */
  function neighbour(map, list, from, key) {
    var dir = { ArrowRight: [1, 0], ArrowLeft: [-1, 0], ArrowDown: [0, 1], ArrowUp: [0, -1] }[key];
    var p0 = map.latLngToLayerPoint(from.center);
    var best = null;
    var bestScore = Infinity;
    list.forEach(function (t) {
      if (t === from || (t.entry === from.entry && t.id === from.id)) { return; }
      var p = map.latLngToLayerPoint(t.center);
      var along = (p.x - p0.x) * dir[0] + (p.y - p0.y) * dir[1];
      var across = Math.abs((p.x - p0.x) * dir[1] - (p.y - p0.y) * dir[0]);
      if (along <= 0 || across > along) { return; }
      var score = along + 2 * across;
      if (score < bestScore) { bestScore = score; best = t; }
    });
    return best;
  }

  function keyboard(map) {
    var container = map.getContainer();
    var live = document.getElementById(container.id + "-live");
    var current = null;
    var outline = null;
    var tip = null;

    function clear() {
      if (outline) { map.removeLayer(outline); outline = null; }
      if (tip) { map.removeLayer(tip); tip = null; }
    }

    function focusArea(t) {
      clear();
      current = t;
      if (!t) { return; }
      var shape = t.layer.toGeoJSON();
      // Two strokes, black under white dashes: visible on every fill colour.
      outline = L.featureGroup([
        L.geoJSON(shape, { pane: "hmFocus", interactive: false,
                           style: { color: "#000", weight: 5, fill: false, opacity: 1 } }),
        L.geoJSON(shape, { pane: "hmFocus", interactive: false,
                           style: { color: "#fff", weight: 2, dashArray: "6 4", fill: false, opacity: 1,
                                    className: "hm-focus" } }),
      ]).addTo(map);
      var b = t.layer.getBounds();
      if (!map.getBounds().contains(t.center)) { map.panTo(t.center); }
      // The tooltip sits beyond the area's edge (above it, or below near the map's top), so it
      // never hides the outline.
      var north = L.latLng(b.getNorth(), t.center.lng);
      var above = map.latLngToContainerPoint(north).y > 90;
      tip = L.tooltip({ direction: above ? "top" : "bottom", offset: [0, above ? -6 : 6],
                        className: "hm-kbd-tip" })
        .setLatLng(above ? north : L.latLng(b.getSouth(), t.center.lng))
        .setContent(tipFor(t.entry, t.id));
      tip.addTo(map);
      if (live) {
        var text = [];
        tip.getContent().childNodes.forEach(function (n) { text.push(n.textContent); });
        live.textContent = text.join("、");
      }
    }

    container.addEventListener("keydown", function (e) {
      if (e.altKey || e.ctrlKey || e.metaKey || e.target !== container) { return; }
      var arrow = /^Arrow/.test(e.key);
      if (arrow && e.shiftKey) { return; }  // Shift+arrows: Leaflet pans the map
      if (!arrow && e.key !== "Enter" && e.key !== " " && e.key !== "Escape") { return; }
      if (e.key === "Escape") {
        if (current) { clear(); current = null; if (live) { live.textContent = ""; } }
        return;
      }
      e.preventDefault();
      e.stopPropagation();  // Leaflet's own handler (on document) would pan with the arrows
      var list = targets(map);
      if (!list.length) { return; }
      if (current && !map.hasLayer(current.entry.group)) { current = null; }
      if (e.key === "Enter" || e.key === " ") {
        if (current) { activate(current.entry, current.id, current.center, true); }
        return;
      }
      if (!current) {
        // First arrow: the area nearest the map's centre.
        var mid = map.getCenter();
        list.sort(function (a, b) { return mid.distanceTo(a.center) - mid.distanceTo(b.center); });
        focusArea(list[0]);
        return;
      }
      var next = neighbour(map, list, current, e.key);
      if (next) { focusArea(next); } else if (live) {
        // Named from the focused area, not from the live text (which would nest on every press).
        var name = ((current.entry.opts.feats[current.id] || {}).t || [current.id])[0];
        live.textContent = "この方向にはほかの地域がありません（" + name + "）";
      }
    });
    container.addEventListener("blur", function () { clear(); });
    container.addEventListener("focus", function () { if (current) { focusArea(current); } });
    HM.keyboard = HM.keyboard || {};
    HM.keyboard[container.id] = { focusArea: focusArea, current: function () { return current; } };
  }

  /* Outline area ``id`` of layer ``key`` as the selected one (the overview's panel shows it),
     and no other area of any layer; ``highlight(null)`` clears it. */
  HM.highlight = function (key, id) {
    Object.keys(HM.layers).forEach(function (k) {
      var entry = HM.layers[k];
      var want = k === key ? id : undefined;
      if (entry.selected === want) { return; }
      var before = entry.selected;
      entry.selected = want;
      [before, want].forEach(function (fid) {
        var layer = fid === undefined ? null : entry.byId[fid];
        if (layer) { layer.setStyle(styleFor(entry, fid)); }
      });
      if (want !== undefined && entry.byId[want]) { entry.byId[want].bringToFront(); }
    });
  };

  /* Recolour a layer from new values + classes (the overview's measure switch). */
  HM.restyle = function (key, values, classes, extraTip) {
    var entry = HM.layers[key];
    if (!entry) { return; }
    entry.values = values;
    entry.classes = classes;
    entry.extraTip = extraTip || null;
    Object.keys(entry.byId).forEach(function (id) {
      entry.byId[id].setStyle(styleFor(entry, id));
    });
  };

  /* The embed snippet names this page's embed by the address it is really served from (a
     server, a static host, file://): the link's resolved href. Text only, never markup. */
  whenParsed(function () {
    document.querySelectorAll("textarea[data-embed-for]").forEach(function (box) {
      var link = document.getElementById(box.getAttribute("data-embed-for"));
      if (!link || !link.href) { return; }
      var src = link.href.replace(/&/g, "&amp;").replace(/"/g, "&quot;");
      box.value = box.value.replace(/src="[^"]*"/, 'src="' + src + '"');
      // /embed.js sits at the root the embeds are under (docs/embedding.md).
      var at = src.lastIndexOf("/embed/");
      if (at >= 0) {
        box.value = box.value.replace(/src="[^"]*\/embed\.js"/, 'src="' + src.slice(0, at + 1) + 'embed.js"');
      }
    });
  });

  /* Printed, a page shows its tables and lists whole: closed <details> open for the print and
     close again after it (site.css has the print stylesheet). */
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details:not([open]):not(.edition-switch)").forEach(function (d) {
      d.open = true;
      d.setAttribute("data-print-opened", "");
    });
  });
  window.addEventListener("afterprint", function () {
    document.querySelectorAll("details[data-print-opened]").forEach(function (d) {
      d.open = false;
      d.removeAttribute("data-print-opened");
    });
  });

  window.HokkaidoMap = HM;
})();
