/* An embed's half of the self-sizing iframe (docs/embedding.md; the host's half is /embed.js).

   Framed, the embed fills whatever box it is given (site.css), so an iframe of fixed height
   works without any script. When the host page asks -- {"hokkaido-map": {"autosize": true}}
   from the window that frames us -- the embed takes its own height (html.hm-autosize: the map
   as tall as its width allows, legend and foot below it) and posts it to that window, now and
   on every change of size:

     {"hokkaido-map": {"height": <whole CSS pixels>}}

   Only the height, to the origin that asked: nothing of the page or the reader goes out. */
(function () {
  "use strict";
  var KEY = "hokkaido-map";
  if (window.parent === window) { return; }  // not framed: nobody to tell
  var host = null;  // the origin that asked; "*" only for an opaque (file://) one
  var last = -1;

  function height() {
    return Math.ceil(document.documentElement.getBoundingClientRect().height);
  }

  function post() {
    var h = height();
    if (h === last || host === null) { return; }
    last = h;
    window.parent.postMessage({ "hokkaido-map": { height: h } }, host);
  }

  function start(origin) {
    var first = host === null;
    host = origin === "null" ? "*" : origin;
    last = -1;  // a host that asks again (its iframe reloaded, a second script) gets an answer
    if (first) {
      document.documentElement.classList.add("hm-autosize");
      if (window.ResizeObserver) {
        new ResizeObserver(post).observe(document.documentElement);
      } else {
        window.addEventListener("resize", post);
      }
    }
    post();
  }

  window.addEventListener("message", function (event) {
    // Only the window that frames us asks; a message from anywhere else (another frame, a
    // popup) is not a host's. The data is only checked for the flag, never used otherwise.
    if (event.source !== window.parent) { return; }
    var data = event.data;
    if (!data || typeof data !== "object" || !data[KEY] || data[KEY].autosize !== true) { return; }
    start(event.origin);
  });
})();
