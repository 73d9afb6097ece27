// The teacher's hand on a following student's map (explorer/follow.js hands it over): a marked
// cursor where the teacher points, with the digit under it decoded by this page's own decoder,
// and the teacher's zoom and scrubber. Only the news of the same map (the same model and view,
// `map.layout.uirevision`) applies: on another map the same numbers are another place.

import { endPreview, livePreview, refreshMarks } from "./live.js";

export function mapName(map) { return String(map.layout.uirevision || ""); }

export function followApi(map, redraw, scrubTo) {
  return {
    // Methods only: the map's api spreads this object, which would freeze a getter's value.
    mapName() { return mapName(map); },
    teacherAt() { return map.teacher ? { ...map.teacher } : null; },
    teacherPointer(name, x, y) {
      // (x, y) of the teacher's map; null: the teacher's pointer left the map.
      if (name !== mapName(map) || x === null || x === undefined) {
        if (map.teacher) { map.teacher = null; endPreview(map); refreshMarks(map); }
        return;
      }
      map.teacher = { x, y };
      refreshMarks(map);
      livePreview(map, x, y, "teacher");
    },
    teacherZoom(name, x, y) {
      if (name !== mapName(map)) { return; }
      map.view = { x: x.slice(), y: y.slice() };
      redraw();
    },
    teacherScrub(name, fraction) {
      if (name !== mapName(map) || !map.path) { return; }
      if (fraction === null) { map.scrub = null; refreshMarks(map); return; }
      map.scrubber.input.value = String(Math.round(fraction * 1000));
      scrubTo(fraction);
    },
  };
}
