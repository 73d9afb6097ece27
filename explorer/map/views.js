// The map's fixed points (the test set, one file per model and view) and the views ahead.
//
// A view's points come inline (a new page's first step) or as a static file named by its
// content (map_view.py). Decoded files are kept, a few per page, so that a view or a model
// seen before is drawn again without a request.
//
// A d-D model's map is sent with the views its chooser offers ("ahead", map_view.py): each
// one's points file, its figure and its marks, exactly as the server would send them after the
// switch. Their files are fetched while the page is idle. A press on the chooser then draws
// the new view at once, in the page; the server's run that follows carries the same figure
// (the same digest), so nothing is drawn twice. Until it comes, the map says which view it
// shows in each click (map_layer.py), so a click is read on the view it was made on.

import { decodeTrace } from "./figure.js";

const KEPT = 8;  // decoded points files kept (about 0.2 MB each for 10,000 points)
const kept = new Map();  // token -> decoded traces, oldest first
const fetching = new Set();  // tokens being fetched ahead

function keep(token, traces) {
  kept.delete(token);
  kept.set(token, traces);
  while (kept.size > KEPT) { kept.delete(kept.keys().next().value); }
}

function load(url) {
  return fetch(url).then((response) => (response.ok ? response.json() : Promise.reject(new Error("HTTP " + response.status))));
}

// The points named by `base` ({token, traces} inline or {token, url}): at once when inline or
// kept, else fetched, then `redraw()`; `failed(message)` if they cannot be.
export function useBase(map, base, redraw, failed) {
  if (base.token === map.baseToken || base.token === map.loading) { return; }
  const known = base.traces ? base.traces.map(decodeTrace) : kept.get(base.token);
  if (known) {
    keep(base.token, known);
    map.base = known;
    map.baseToken = base.token;
    map.loading = null;
    return;
  }
  map.base = [];  // not the previous model's points while this model's load
  map.baseToken = null;
  map.loading = base.token;
  load(base.url)
    .then((body) => {
      keep(base.token, body.traces.map(decodeTrace));
      if (map.loading !== base.token) { return; }  // another model was asked for meanwhile
      map.loading = null;
      map.base = kept.get(base.token);
      map.baseToken = base.token;
      redraw();
    })
    .catch((error) => {
      if (map.loading !== base.token) { return; }
      map.loading = null;  // the next run tries again
      failed(error.message);
    });
}

// The views the chooser offers: kept on the map, their points fetched once the page is idle
// and some seconds after they first came, so that a new page's own loading (its second step, the
// decoder's file) never waits for them.
const SETTLE_MS = 1500;

export function lookAhead(map, ahead) {
  map.ahead = ahead || [];
  if (map.ahead.length && !map.aheadSince) { map.aheadSince = performance.now(); }
  for (const view of map.ahead) {
    const token = view.base.token;
    if (kept.has(token) || !view.base.url || fetching.has(token)) { continue; }
    fetching.add(token);
    const fetchIt = () => load(view.base.url)
      .then((body) => keep(token, body.traces.map(decodeTrace)))
      .catch(() => {})  // the switch then waits for the server, as without this
      .finally(() => fetching.delete(token));
    setTimeout(() => idle(fetchIt), Math.max(0, map.aheadSince + SETTLE_MS - performance.now()));
  }
}

function idle(task) {
  if (window.requestIdleCallback) { window.requestIdleCallback(task, { timeout: 1000 }); } else { setTimeout(task, 200); }
}

// The views ahead whose points are here: a press on them draws at once (their buttons' texts).
export function readyAhead(map) {
  return (map.ahead || []).filter((view) => kept.has(view.base.token)).map((view) => view.choice);
}

// A press on a view chooser's button (`chooser`: its element's selector, sent with the views):
// the view it names is drawn now by `show(view)`, if its points are here.
export function watchChooser(map, show) {
  if (map.watching) { return; }
  map.watching = true;
  const pressed = (event) => {
    const button = event.target.closest && event.target.closest("button");
    if (!button || !map.ahead || !map.ahead.length) { return; }
    const view = map.ahead.find((one) => button.closest(one.chooser) && button.textContent.trim() === one.choice);
    if (!view || !kept.has(view.base.token) || !map.root.isConnected) { return; }
    map.base = kept.get(view.base.token);
    map.baseToken = view.base.token;
    map.loading = null;
    map.digest = view.digest;
    map.ahead = [];  // until the server's run sends the views ahead of this one
    show(view);
  };
  // By keyboard, Streamlit's buttons (React Aria) choose on Enter's keydown and Space's keyup,
  // with no click event.
  const keyed = (event) => {
    const enter = event.type === "keydown" && event.key === "Enter", space = event.type === "keyup" && event.key === " ";
    if ((enter || space) && !event.repeat) { pressed(event); }
  };
  const listened = { click: pressed, keydown: keyed, keyup: keyed };
  for (const [type, listener] of Object.entries(listened)) { document.addEventListener(type, listener, true); }
  map.unwatch = () => { for (const [type, listener] of Object.entries(listened)) { document.removeEventListener(type, listener, true); } };
}
