// Follow the teacher, in the page (explorer/follow.py draws it; explorer/follow_routes.py serves
// its two addresses). One per page, kept in window.__vaeFollow across runs.
//
// A student's page keeps an event stream open on its board. A new state of the teacher's page
// reruns this page once ("apply"); the teacher's pointer, zoom and scrubber go straight to the
// maps (map/teacher.js), with no run. Any press, wheel or key on the map leaves following (in
// the page only); the banner's button returns ("follow"), and so does the teacher's "Bring
// everyone back" ("recall").
//
// A leading teacher's page posts its pointer over the map (one post in flight at a time, the
// newest waiting: at most 15 a second), its zoom when it changes, its scrubber, and a beat
// every 2 s (a page that stops beating has closed).

const EVENTS = "vae/follow/events", LEAD = "vae/follow/lead", POINTER_MS = 66, BEAT_MS = 2000;

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  const [board, role, applied, token] = data;
  const f = (window.__vaeFollow = window.__vaeFollow || create());
  f.send = setTriggerValue;
  f.parent = parentElement;
  f.applied = Math.max(applied, f.applied === undefined ? 0 : f.applied);
  f.asked = Math.max(f.asked || 0, applied);
  if (f.board !== board || f.role !== role) {
    f.board = board;
    f.role = role;
    if (role === "student") { openStream(f); } else { closeStream(f); }
  }
  const following = f.following;
  f.token = role === "leader" ? token : null;
  if (role === "leader") { startLeading(f); } else { stopLeading(f); }
  if (following && f.leading && f.latest > f.applied) { ask(f); }
  // A run may have brought another map (the teacher's model or view): the teacher's zoom on it.
  if (following && f.lastZoom) { const z = f.lastZoom; setTimeout(() => toMaps("teacherZoom", z.map, z.x, z.y), 0); }
  banner(f);
}

function create() {
  // Whether this page follows is the page's own: a press on the map leaves at once, with no
  // message to the server (sent with the press's own, two parts' messages in one batch lost the press).
  const f = { stream: null, following: true, leading: false, latest: 0, note: "", connected: true, lead: null };
  // A student's own hand on the map: from then on, their view is theirs.
  const own = (event) => {
    if (!event.isTrusted || f.role !== "student" || !f.following || !f.leading) { return; }
    if (event.target.closest && event.target.closest(".vae-map-plot, .vae-scrubber, .vae-map-modebar")) { leave(f); }
  };
  document.addEventListener("pointerdown", own, true);
  document.addEventListener("wheel", own, { capture: true, passive: true });
  document.addEventListener("keydown", own, true);
  return f;
}

// ---- the student's stream -------------------------------------------------------------------

function openStream(f) {
  closeStream(f);
  const query = "?board=" + encodeURIComponent(f.board) + (f.following ? "&following=1" : "");
  const stream = new EventSource(EVENTS + query);
  f.stream = stream;
  const on = (kind, handle) => stream.addEventListener(kind, (event) => {
    if (f.stream !== stream) { return; }
    handle(event.data ? JSON.parse(event.data) : {});
    banner(f);
  });
  on("hello", (m) => {
    f.leading = m.leading; f.latest = m.v; f.connected = m.connected !== false; f.note = "";
    f.lastZoom = m.zoom || null;
    if (f.following && m.zoom) { toMaps("teacherZoom", m.zoom.map, m.zoom.x, m.zoom.y); }
    if (f.following && f.leading && f.latest > f.applied) { ask(f); }
  });
  on("state", (m) => { f.leading = true; f.note = ""; f.latest = Math.max(f.latest, m.v); if (f.following) { ask(f); } });
  on("pointer", (m) => { f.leading = true; f.note = ""; if (f.following) { toMaps("teacherPointer", m.map, m.x, m.y); } });
  on("zoom", (m) => { f.leading = true; f.lastZoom = m; if (f.following) { toMaps("teacherZoom", m.map, m.x, m.y); } });
  on("scrub", (m) => { if (f.following) { toMaps("teacherScrub", m.map, m.f); } });
  on("recall", () => { f.leading = true; f.note = ""; if (!f.following) { back(f); } });
  on("stop", () => { f.leading = false; f.note = "The teacher stopped leading: this view is yours."; toMaps("teacherPointer", "", null, null); });
  on("gone", () => {
    f.leading = false;
    f.note = "The teacher’s page has closed. You keep this view and can go on exploring; following resumes when the teacher leads again.";
    toMaps("teacherPointer", "", null, null);
  });
  on("lost", () => { f.connected = false; });
  on("back", (m) => { f.connected = true; f.latest = Math.max(f.latest, m.v || 0); if (f.following && f.leading && f.latest > f.applied) { ask(f); } });
  stream.onerror = () => { f.connected = stream.readyState === EventSource.OPEN; banner(f); };  // it reconnects by itself
  stream.onopen = () => { f.connected = true; banner(f); };
}

function closeStream(f) {
  if (f.stream) { f.stream.close(); f.stream = null; }
}

function ask(f) {
  // One rerun per new state: the page takes the teacher's newest state in its callback.
  if (f.asked >= f.latest) { return; }
  f.asked = f.latest;
  f.send("apply", f.latest);
}

function leave(f) {
  f.following = false;
  toMaps("teacherPointer", "", null, null);
  banner(f);
  openStream(f);  // no longer counted among the followers
}

function back(f) {
  f.following = true;
  f.asked = 0;
  banner(f);
  openStream(f);
  f.send("follow", Date.now());  // the teacher's newest state, now
}

function toMaps(method, ...args) {
  for (const root of document.querySelectorAll(".vae-map")) {
    const map = root.__vaeMap;
    if (map && map[method]) { map[method](...args); }
  }
}

// ---- the banner ---------------------------------------------------------------------------

function banner(f) {
  const parent = f.parent;
  if (!parent) { return; }
  let box = parent.querySelector(".vae-follow");
  if (!box) {
    box = document.createElement("div");
    box.className = "vae-follow";
    box.setAttribute("role", "status");
    parent.replaceChildren(box);
  }
  const student = f.role === "student";
  const shown = student && (f.leading || f.note || !f.connected);
  box.dataset.following = String(student && f.following && f.leading);
  box.dataset.leading = String(f.leading);
  // Floating at the foot of the window, over the page: seen wherever the student has scrolled,
  // and nothing on the page moves when it comes or goes.
  box.style.cssText = shown
    ? "position:fixed;left:50%;bottom:14px;transform:translateX(-50%);z-index:1000;max-width:min(92vw,760px);" +
      "display:flex;flex-wrap:wrap;align-items:center;justify-content:center;gap:10px;padding:8px 14px;" +
      "border-radius:8px;box-shadow:0 2px 10px rgba(0,0,0,0.25);" +
      "font:16px/1.4 sans-serif;color:#102a56;background:#e8eef9;border:1px solid #9db3dc"
    : "display:none";
  if (!shown) { box.replaceChildren(); return; }
  const text = document.createElement("span");
  const button = document.createElement("button");
  button.type = "button";
  button.style.cssText = "font:inherit;padding:4px 12px;border-radius:6px;border:1px solid #1f4e9c;background:white;color:#1f4e9c;cursor:pointer";
  if (!f.connected) {
    text.textContent = "The connection to the class was lost (the server’s channel restarted?). You keep this view; following resumes by itself when it is back.";
    box.replaceChildren(text);
    return;
  }
  if (!f.leading) {
    text.textContent = f.note;
    box.replaceChildren(text);
    return;
  }
  if (f.following) {
    text.textContent = "Following the teacher";
    button.textContent = "Explore on my own";
    button.onclick = () => leave(f);
    const dot = document.createElement("span");
    dot.textContent = "·";
    dot.setAttribute("aria-hidden", "true");
    box.replaceChildren(text, dot, button);
  } else {
    text.textContent = "The teacher is leading the class. You are exploring on your own.";
    button.textContent = "Follow the teacher";
    button.onclick = () => back(f);
    box.replaceChildren(text, button);
  }
}

// ---- the teacher's page, leading ------------------------------------------------------------

function post(f, message) {
  return fetch(LEAD, {
    method: "POST", headers: { "Content-Type": "application/json" }, keepalive: true,
    body: JSON.stringify({ ...message, board: f.board, token: f.token }),
  }).catch(() => null);
}

function primaryMap() {
  const root = document.querySelector(".vae-map");
  return root && root.__vaeMap ? root.__vaeMap : null;
}

function startLeading(f) {
  if (f.lead) { return; }
  const lead = (f.lead = { busy: false, pending: null, zoom: "", scrub: null });
  const sendPointer = (message) => {
    if (lead.busy) { lead.pending = message; return; }
    lead.busy = true;
    const started = performance.now();
    post(f, message).then(() => {
      // At most one post in flight, and at most one each POINTER_MS: the newest move waits.
      setTimeout(() => {
        lead.busy = false;
        const next = lead.pending;
        lead.pending = null;
        if (next && f.lead === lead) { sendPointer(next); }
      }, Math.max(0, POINTER_MS - (performance.now() - started)));
    });
  };
  lead.move = (event) => {
    const plot = event.target.closest && event.target.closest(".vae-map-plot");
    const root = plot && plot.closest(".vae-map");
    const map = root && root.__vaeMap;
    if (!map) { return; }
    const [x, y] = map.toLatent(event.clientX, event.clientY);
    sendPointer({ type: "pointer", map: map.mapName(), x, y });
  };
  lead.out = (event) => {
    const map = primaryMap();
    if (map && event.target.closest && event.target.closest(".vae-map-plot")) { sendPointer({ type: "pointer", map: map.mapName(), x: null, y: null }); }
  };
  lead.input = (event) => {
    if (!event.target.classList || !event.target.classList.contains("vae-scrubber-input")) { return; }
    const map = primaryMap();
    if (map) { post(f, { type: "scrub", map: map.mapName(), f: Number(event.target.value) / 1000 }); }
  };
  document.addEventListener("pointermove", lead.move, { capture: true, passive: true });
  document.addEventListener("pointerout", lead.out, true);
  document.addEventListener("input", lead.input, true);
  lead.timer = setInterval(() => {
    const map = primaryMap();
    if (!map) { return; }
    const g = map.geometry(), zoom = map.mapName() + JSON.stringify([g.x, g.y]);
    if (zoom !== lead.zoom) {
      lead.zoom = zoom;
      post(f, { type: "zoom", map: map.mapName(), x: g.x, y: g.y });
    }
  }, 200);
  lead.beat = setInterval(() => post(f, { type: "beat" }), BEAT_MS);
  post(f, { type: "beat" });
}

function stopLeading(f) {
  const lead = f.lead;
  if (!lead) { return; }
  f.lead = null;
  document.removeEventListener("pointermove", lead.move, { capture: true });
  document.removeEventListener("pointerout", lead.out, true);
  document.removeEventListener("input", lead.input, true);
  clearInterval(lead.timer);
  clearInterval(lead.beat);
}
