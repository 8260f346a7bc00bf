/* 現在地 without a server: which municipality (and 札幌市's ward) contains a point, answered in
 * the browser from the TopoJSON topology the page has already loaded (/api/geo/topology.json,
 * or window.HokkaidoMapTopologies in a static export), so it works on file:// too.
 *
 *   var finder = window.HokkaidoLocate.create(topology);
 *   finder.locate(lat, lon)  // → {code: "01400", ward: "01101" | null} or null (sea, outside)
 *
 * Arguments are (lat, lon) in the order navigator.geolocation gives them. The answer agrees with
 * the server's Atlas.locate except within the topology's quantization (~15 m) of a boundary.
 * ``ward`` comes from a "wards" object of the topology when it has one; the topology built by
 * geo/atlas/topology.py has none today, so ``ward`` is then always null.
 *
 * Self-contained on purpose: it decodes the arcs itself rather than needing topojson-client on
 * the page, and uses no eval / new Function (the pages' CSP is script-src 'self').
 */
(function () {
  "use strict";

  var CITY = "01100";  // 札幌市, the designated city: the only municipality whose wards are named
  var GRID = 32;  // cells per side of the coarse index: ~0.3° × 0.13° over Hokkaido's bbox

  /* Every arc as a flat [lon, lat, lon, lat, …] array. Quantized arcs are delta-encoded
     integers; the transform is applied to the running integer sum (as topojson-client does), so
     rounding never accumulates along an arc. */
  function decodeArcs(topology) {
    var t = topology.transform;
    var kx = t ? t.scale[0] : 1, ky = t ? t.scale[1] : 1;
    var tx = t ? t.translate[0] : 0, ty = t ? t.translate[1] : 0;
    return topology.arcs.map(function (arc) {
      var out = new Float64Array(arc.length * 2);
      var x = 0, y = 0;
      for (var i = 0; i < arc.length; i++) {
        if (t) { x += arc[i][0]; y += arc[i][1]; } else { x = arc[i][0]; y = arc[i][1]; }
        out[2 * i] = x * kx + tx;
        out[2 * i + 1] = y * ky + ty;
      }
      return out;
    });
  }

  function emptyBox() { return [Infinity, Infinity, -Infinity, -Infinity]; }

  function growBox(box, other) {
    box[0] = Math.min(box[0], other[0]); box[1] = Math.min(box[1], other[1]);
    box[2] = Math.max(box[2], other[2]); box[3] = Math.max(box[3], other[3]);
  }

  function inBox(box, x, y) { return x >= box[0] && x <= box[2] && y >= box[1] && y <= box[3]; }

  /* One ring from its arc indexes (~i = arc i reversed). Consecutive arcs share their joining
     point, so every arc after the first drops its first point. */
  function ring(indexes, arcs) {
    var n = 0, k, j;
    for (k = 0; k < indexes.length; k++) {
      n += arcs[indexes[k] < 0 ? ~indexes[k] : indexes[k]].length / 2 - (k ? 1 : 0);
    }
    var xy = new Float64Array(n * 2);
    var box = emptyBox();
    var o = 0;
    for (k = 0; k < indexes.length; k++) {
      var reversed = indexes[k] < 0;
      var arc = arcs[reversed ? ~indexes[k] : indexes[k]];
      var count = arc.length / 2;
      for (j = k ? 1 : 0; j < count; j++) {
        var src = reversed ? count - 1 - j : j;
        var x = arc[2 * src], y = arc[2 * src + 1];
        xy[o++] = x; xy[o++] = y;
        if (x < box[0]) { box[0] = x; }
        if (y < box[1]) { box[1] = y; }
        if (x > box[2]) { box[2] = x; }
        if (y > box[3]) { box[3] = y; }
      }
    }
    return { xy: xy, box: box };
  }

  /* All rings of a geometry, outer rings and holes alike: even-odd counting over every ring of
     a valid (Multi)Polygon is inside exactly when the point is inside one part and not in its
     holes, so the parts need not be kept apart. */
  function collectRings(geometry, arcs, out) {
    if (!geometry) { return out; }
    var polygons = [];
    if (geometry.type === "Polygon") { polygons = [geometry.arcs]; }
    else if (geometry.type === "MultiPolygon") { polygons = geometry.arcs; }
    else if (geometry.type === "GeometryCollection") {
      (geometry.geometries || []).forEach(function (g) { collectRings(g, arcs, out); });
    }
    polygons.forEach(function (polygon) {
      polygon.forEach(function (indexes) { out.push(ring(indexes, arcs)); });
    });
    return out;
  }

  /* Even-odd ray casting towards +x. A point outside a ring's bbox is outside the ring, and a
     closed ring then crosses the ray an even number of times: skipping it keeps the parity. */
  function contains(area, x, y) {
    var inside = false;
    for (var r = 0; r < area.rings.length; r++) {
      var rg = area.rings[r];
      if (!inBox(rg.box, x, y)) { continue; }
      var xy = rg.xy;
      for (var i = 0, j = xy.length - 2; i < xy.length; j = i, i += 2) {
        var yi = xy[i + 1], yj = xy[j + 1];
        if ((yi > y) !== (yj > y) && x < (xy[j] - xy[i]) * (y - yi) / (yj - yi) + xy[i]) {
          inside = !inside;
        }
      }
    }
    return inside;
  }

  /* The areas of one topology object plus a GRID × GRID index of which areas' bboxes touch each
     cell. Cells keep the object's order, so a point on a shared edge goes to the first area,
     as the server's lowest-index STRtree hit does. */
  function AreaIndex(topology, arcs, name) {
    var object = topology.objects[name];
    if (!object) { throw new Error("HokkaidoLocate: the topology has no object " + name); }
    var box = emptyBox();
    this.areas = (object.geometries || [object]).map(function (g) {
      var area = { id: String(g.id), rings: collectRings(g, arcs, []), box: emptyBox() };
      area.rings.forEach(function (rg) { growBox(area.box, rg.box); });
      return area;
    }).filter(function (area) { return area.rings.length > 0; });
    this.areas.forEach(function (area) { growBox(box, area.box); });
    this.box = box;
    this.cw = (box[2] - box[0]) / GRID || 1;
    this.ch = (box[3] - box[1]) / GRID || 1;
    this.cells = [];
    for (var c = 0; c < GRID * GRID; c++) { this.cells.push([]); }
    for (var a = 0; a < this.areas.length; a++) {
      var b = this.areas[a].box;
      for (var cy = this.cell(b[1], 1); cy <= this.cell(b[3], 1); cy++) {
        for (var cx = this.cell(b[0], 0); cx <= this.cell(b[2], 0); cx++) {
          this.cells[cy * GRID + cx].push(a);
        }
      }
    }
  }

  AreaIndex.prototype.cell = function (value, axis) {
    var k = Math.floor((value - this.box[axis]) / (axis ? this.ch : this.cw));
    return Math.max(0, Math.min(GRID - 1, k));  // the bbox's far edge belongs to the last cell
  };

  /* The id of the area containing (x, y) = (lon, lat), or null. */
  AreaIndex.prototype.find = function (x, y) {
    if (!inBox(this.box, x, y)) { return null; }
    var candidates = this.cells[this.cell(y, 1) * GRID + this.cell(x, 0)];
    for (var i = 0; i < candidates.length; i++) {
      var area = this.areas[candidates[i]];
      if (inBox(area.box, x, y) && contains(area, x, y)) { return area.id; }
    }
    return null;
  };

  window.HokkaidoLocate = {
    /* Decodes the topology once (a few ms); keep the result and call locate for every fix. */
    create: function (topology) {
      var arcs = decodeArcs(topology);
      var municipalities = new AreaIndex(topology, arcs, "municipalities");
      var wards = topology.objects.wards ? new AreaIndex(topology, arcs, "wards") : null;
      return {
        hasWards: wards !== null,
        locate: function (lat, lon) {
          var y = Number(lat), x = Number(lon);
          if (!isFinite(x) || !isFinite(y)) { return null; }
          var code = municipalities.find(x, y);
          if (code === null) { return null; }
          return { code: code, ward: code === CITY && wards ? wards.find(x, y) : null };
        },
      };
    },
  };
}());
