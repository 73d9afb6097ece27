// The map's input in one place: pointer (mouse, pen, touch), wheel and keys become a few
// named calls on `on`, in stage pixels. Nothing here draws, and nothing that draws reads an
// event.
//
//   mouse or pen: move = hover; press on the chosen point's marker and move = dragMark, then
//                 dropMark; press elsewhere and move = pan; wheel = zoomAt
//   one finger:   move = slide (the preview follows it), lift after sliding = lift
//   two fingers:  pinch = zoomAt, move = pan (the slide is abandoned)
//   keys:         arrows (Shift: larger steps), Enter or Space, + and −, 0, Escape = key(name)
//
// A press that does not move is a click; map_layer.py's listener on the document sends it
// (it counts even while the page reruns), so it is not named here.

export const CLICK_SLOP = 6;  // pixels a press may move and still be a click (map_layer.py)

const KEYS = {
  ArrowLeft: "left", ArrowRight: "right", ArrowUp: "up", ArrowDown: "down", Enter: "choose", " ": "choose",
  "+": "zoomIn", "=": "zoomIn", "-": "zoomOut", "−": "zoomOut", "_": "zoomOut", "0": "reset", Escape: "leave",
};

export function listen(area, stage, on) {
  const touches = new Map();  // pointerId -> {x, y} of each finger down, in stage pixels
  let press = null;  // the mouse or pen press under way: {x, y, mode: "click" | "pan" | "mark"}
  let slide = null;  // one finger: {x, y, moved}
  let pinch = null;  // two fingers: {distance, x, y}
  const at = (event) => { const r = stage.getBoundingClientRect(); return { x: event.clientX - r.left, y: event.clientY - r.top }; };

  area.addEventListener("pointerdown", (event) => {
    const p = at(event);
    if (event.pointerType === "touch") {
      touches.set(event.pointerId, p);
      area.setPointerCapture(event.pointerId);
      if (touches.size === 1) { slide = { x: p.x, y: p.y, moved: false }; on.slide(p.x, p.y); }
      else { slide = null; pinch = pinchOf(touches); on.leave(); }
      return;
    }
    if (event.button !== 0) { return; }
    // Captured while down: a drag that leaves the map still pans it, and no listener
    // outside the map outlives it.
    area.setPointerCapture(event.pointerId);
    press = { x: p.x, y: p.y, mode: on.grab(p.x, p.y) ? "mark" : "click" };
  });

  area.addEventListener("pointermove", (event) => {
    const p = at(event);
    if (event.pointerType === "touch") {
      if (!touches.has(event.pointerId)) { return; }
      touches.set(event.pointerId, p);
      if (pinch && touches.size >= 2) {
        const now = pinchOf(touches);
        on.pan(now.x - pinch.x, now.y - pinch.y);
        if (pinch.distance > 0 && now.distance > 0) { on.zoomAt(pinch.distance / now.distance, now.x, now.y); }
        pinch = now;
      } else if (slide) {
        slide.moved = slide.moved || Math.hypot(p.x - slide.x, p.y - slide.y) > CLICK_SLOP;
        on.slide(p.x, p.y);
      }
      return;
    }
    if (!press) { on.hover(p.x, p.y); return; }
    if (press.mode === "mark") { on.dragMark(p.x, p.y); return; }
    if (press.mode === "click" && Math.hypot(p.x - press.x, p.y - press.y) <= CLICK_SLOP) { on.hover(p.x, p.y); return; }
    if (press.mode === "click") { press.mode = "pan"; on.leave(); }
    on.pan(p.x - press.x, p.y - press.y);
    press.x = p.x;
    press.y = p.y;
  });

  const release = (event, cancelled) => {
    const p = at(event);
    if (event.pointerType === "touch") {
      touches.delete(event.pointerId);
      if (slide && !cancelled && slide.moved) { on.lift(p.x, p.y); }
      if (touches.size === 0) { slide = null; pinch = null; on.leave(); }
      else if (touches.size === 1) { pinch = null; }
      return;
    }
    if (press && press.mode === "mark" && !cancelled) { on.dropMark(p.x, p.y); }
    press = null;
  };
  area.addEventListener("pointerup", (event) => release(event, false));
  area.addEventListener("pointercancel", (event) => release(event, true));
  area.addEventListener("pointerleave", (event) => { if (event.pointerType !== "touch" && !press) { on.leave(); } });
  area.addEventListener("wheel", (event) => {
    event.preventDefault();
    const p = at(event);
    on.zoomAt(Math.exp(event.deltaY * 0.0015), p.x, p.y);
  }, { passive: false });

  area.addEventListener("keydown", (event) => {
    const name = KEYS[event.key];
    if (!name || event.altKey || event.ctrlKey || event.metaKey) { return; }
    event.preventDefault();
    on.key(name, event.shiftKey);
  });
  // The crosshair is the keyboard's: a Tab shows it at once; a click or a tap also focuses the
  // map, but the pointer is already there (a second preview, at the crosshair, was noise).
  area.addEventListener("focus", () => { if (area.matches(":focus-visible")) { on.focus(); } });
  area.addEventListener("blur", () => on.blur());
}

function pinchOf(touches) {
  const [a, b] = [...touches.values()];
  return { distance: Math.hypot(a.x - b.x, a.y - b.y), x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
}
