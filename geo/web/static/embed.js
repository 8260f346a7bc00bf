/* hokkaido-map embed.js, protocol 1 -- the host page's half of the self-sizing iframe
   (docs/embedding.md; the embed's half is frame.js).

   Our iframes on this page: those whose src is on the site this script comes from and that have
   a data-hokkaido-map attribute or are an /embed/ page of it. To each, once it has loaded, this posts
   {"hokkaido-map": {"autosize": true}}; the embed answers {"hokkaido-map": {"height": N}} now and
   whenever its height changes, and the iframe gets that height. A message counts only if it
   comes from one of those iframes' windows (event.source) and from the origin of its src
   (event.origin), and only a whole number of pixels in [MIN, MAX] is ever used: the page's other
   frames and scripts cannot resize anything, and nothing of a message reaches the DOM but that
   number. Without this script (or JavaScript) the iframe keeps its fixed height. */
(function () {
  "use strict";
  var KEY = "hokkaido-map", MIN = 100, MAX = 8000;
  if (window[KEY + "-embed"]) { return; }  // pasted twice: one listener is enough
  window[KEY + "-embed"] = true;
  var script = document.currentScript;
  var site = script && script.src ? new URL(".", script.src) : null;  // the site's root, as served
  var asked = typeof WeakSet === "function" ? new WeakSet() : null;

  function source(frame) {
    try { return new URL(frame.getAttribute("src") || "", document.baseURI); } catch (e) { return null; }
  }

  function ours(frame) {
    // From this script's site only, marked or an /embed/ page: a frame of another origin is
    // never resized, whatever its attributes say.
    var url = source(frame);
    if (!url || !site || url.origin !== site.origin) { return false; }
    return frame.hasAttribute("data-hokkaido-map") || url.pathname.indexOf(site.pathname + "embed/") === 0;
  }

  function frames() {
    return Array.prototype.filter.call(document.getElementsByTagName("iframe"), ours);
  }

  function hello(frame) {
    var url = source(frame), win = frame.contentWindow;
    if (!url || !win) { return; }
    // A file:// or sandboxed embed has an opaque origin, which postMessage cannot target.
    var target = url.origin && url.origin !== "null" ? url.origin : "*";
    try { win.postMessage({ "hokkaido-map": { autosize: true } }, target); } catch (e) { /* gone */ }
  }

  function watch(frame) {
    if (asked) {
      if (asked.has(frame)) { return; }
      asked.add(frame);
    }
    frame.addEventListener("load", function () { hello(frame); });  // every (re)load asks again
    hello(frame);  // loaded already (this script is async): ask now
  }

  function scan() { frames().forEach(watch); }

  window.addEventListener("message", function (event) {
    var data = event.data;
    if (!data || typeof data !== "object" || !data[KEY] || typeof data[KEY] !== "object") { return; }
    var h = data[KEY].height;
    if (typeof h !== "number" || h !== Math.floor(h) || h < MIN || h > MAX) { return; }
    frames().forEach(function (frame) {
      var url = source(frame);
      if (frame.contentWindow !== event.source || !url) { return; }
      if (event.origin !== url.origin) { return; }  // "null" for file:// on both sides
      frame.style.height = h + "px";
    });
  });

  scan();
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", scan); }
  // Iframes a CMS adds later (a tab, a lazy block) are found when they appear.
  if (window.MutationObserver) {
    new MutationObserver(scan).observe(document.documentElement, { childList: true, subtree: true });
  }
})();
