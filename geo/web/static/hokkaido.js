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

  function loadTopology(url) {
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
    classColor: classColor,
    ready: null,
  };
  var readyResolve;
  HM.ready = new Promise(function (resolve) { readyResolve = resolve; });
  var pending = 0;

  function styleFor(entry, id) {
    var opts = entry.opts;
    var feat = opts.feats[id] || {};
    var style = Object.assign({}, opts.base || {});
    var fill = feat.c || classColor(entry.values ? entry.values[id] : undefined, entry.classes);
    if (fill) { style.fillColor = fill; }
    if (feat.s) { Object.assign(style, feat.s); }
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

  /* Fill ``group`` (an L.FeatureGroup already known to the layer control) from the topology. */
  HM.topoLayer = function (map, group, opts) {
    var entry = { map: map, group: group, opts: opts, byId: {}, values: opts.values || null,
                  classes: opts.classes || null, extraTip: null };
    HM.layers[opts.key] = entry;
    HM.maps[map.getContainer().id] = map;
    if (opts.credit && map.attributionControl) {
      map.attributionControl.setPrefix(false);
      map.attributionControl.addAttribution(opts.credit.replace(/[&<>]/g, ""));
    }
    // Filled areas get their own pane under Leaflet's overlay pane, so the 中核都市 markers and
    // project outlines (drawn synchronously, before the topology arrives) stay on top.
    if (!map.getPane("hmAreas")) { map.createPane("hmAreas").style.zIndex = 390; }
    var pane = (opts.merge || (opts.base && opts.base.fill === false)) ? "overlayPane" : "hmAreas";
    pending += 1;
    loadTopology(opts.topology).then(function (topo) {
      // Layers shown now are drawn first; hidden ones (other levels, switchable outlines) in a
      // later task, so the first paint does not wait for them.
      if (map.hasLayer(group)) { return topo; }
      return new Promise(function (resolve) { setTimeout(function () { resolve(topo); }, 0); });
    }).then(function (topo) {
      var object = topo.objects[opts.object];
      var geoms = object.geometries.filter(function (g) {
        return !opts.only || Object.prototype.hasOwnProperty.call(opts.feats, g.id);
      });
      if (opts.merge) {
        // One outline for the union (a project's 振興局 as one area), not one per piece.
        var merged = topojson.merge(topo, geoms);
        var layer = L.geoJSON(merged, { style: Object.assign({}, opts.base), pane: pane,
                                        interactive: Boolean(opts.mergeTip) });
        if (opts.mergeTip) { layer.bindTooltip(lines(opts.mergeTip), { sticky: true }); }
        layer.addTo(group);
        entry.byId["*"] = layer;
      } else {
        geoms.forEach(function (g) {
          var feature = topojson.feature(topo, g);
          var nt = g.properties && g.properties.nt;
          var cls = "hm-area hm-" + opts.object;
          if (nt && opts.object === "municipalities") { cls = "hm-nt"; }
          cls += " hm-id-" + g.id;  // lets tests and styles find one area
          var layer = L.geoJSON(feature, {
            style: Object.assign(styleFor(entry, g.id), { className: cls }),
            pane: pane,
            interactive: opts.interactive !== false,
          });
          if (opts.interactive !== false) {
            layer.bindTooltip(function () { return tipFor(entry, g.id); }, { sticky: true });
            var feat = opts.feats[g.id] || {};
            if (feat.p) { layer.bindPopup(function () { return lines(feat.p, "hm-popup"); }); }
            layer.on("click", function () {
              if (opts.select) {
                document.dispatchEvent(new CustomEvent("hm:select",
                  { detail: { key: opts.key, object: opts.object, id: g.id } }));
              } else if (feat.h && !feat.p) {
                window.location.href = feat.h;
              }
            });
            layer.on("mouseover", function () { layer.setStyle({ weight: (opts.base.weight || 1) + 2 }); });
            layer.on("mouseout", function () { layer.setStyle({ weight: opts.base.weight || 1 }); });
          }
          layer.addTo(group);
          entry.byId[g.id] = layer;
        });
      }
      if (opts.fit) {
        var target = opts.fit === true ? group : L.featureGroup(
          opts.fit.map(function (id) { return entry.byId[id]; }).filter(Boolean));
        var b = target.getBounds();
        if (b.isValid()) { map.fitBounds(b, { padding: [8, 8], maxZoom: opts.maxZoom || 11 }); }
      }
      if (opts.back) { group.bringToBack(); }
    }).catch(function (err) {
      if (window.console) { console.warn("map layer " + opts.key + ": " + err.message); }
    }).then(function () {
      pending -= 1;
      if (pending === 0) { readyResolve(); document.documentElement.dataset.mapReady = "1"; }
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
  document.querySelectorAll("textarea[data-embed-for]").forEach(function (box) {
    var link = document.getElementById(box.getAttribute("data-embed-for"));
    if (!link || !link.href) { return; }
    var src = link.href.replace(/&/g, "&amp;").replace(/"/g, "&quot;");
    box.value = box.value.replace(/src="[^"]*"/, 'src="' + src + '"');
  });

  window.HokkaidoMap = HM;
})();
