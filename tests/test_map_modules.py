"""The map's pure modules (explorer/map/geometry.js, the colour helpers of points.js), run by
Node.js as the ES modules they are, without a page."""

import json
import shutil
import subprocess

import pytest

from tests.conftest import ROOT
from vae.plots import figures

SCRIPT = """
import { fitted, transform, zoomedView, pannedView, pointAlong, clampedTo } from "./geometry.js";
import { rimColour, luminance } from "./points.js";
const box = { left: 56, top: 32, width: 400, height: 200 }, view = { x: [-2, 2], y: [-2, 2] };
const t = transform(view, box), v = fitted(view, box);
const zoomed = zoomedView(view, box, 0.5, 0.5, 0.5);
const contrast = (c) => 1.05 / (luminance(c) + 0.05);
const hex = (h) => [1, 3, 5].map((k) => parseInt(h.slice(k, k + 2), 16) / 255);
console.log(JSON.stringify({
  scale: v.scale, x: v.x, y: v.y,
  roundTrip: [t.lx(t.px(1.25)), t.ly(t.py(-0.5))],
  zoomedSpan: zoomed.y[1] - zoomed.y[0],
  panned: pannedView(view, 50, 0, v.scale).x,
  along: [pointAlong([0, 1, 1], [0, 0, 1], 0.75), pointAlong([0, 1, 1], [0, 0, 1], 0)],
  clamped: clampedTo(view, box, 9, -9),
  rims: PALETTE.map((h) => contrast(rimColour(hex(h)))),
}));
"""


def test_the_maps_geometry_and_the_dots_rims():
    node = shutil.which("node")
    if node is None:
        pytest.skip("needs Node.js (node) to run the map's modules outside a page")
    script = f"const PALETTE = {json.dumps(list(figures.PALETTE))};\n" + SCRIPT
    result = subprocess.run(
        [node, "--input-type=module", "-e", script], cwd=ROOT / "explorer" / "map", capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["scale"] == 50  # equal scales: the 200 px high axis decides, the x axis widens
    assert out["y"] == [-2, 2] and out["x"] == [-4, 4]
    assert out["roundTrip"] == pytest.approx([1.25, -0.5])
    assert out["zoomedSpan"] == pytest.approx(2)
    assert out["panned"] == pytest.approx([-3, 1])  # the content follows the hand: 50 px = 1 unit
    assert out["along"] == [[1, 0.5], [0, 0]]
    assert out["clamped"] == [4, -2]
    # Every class's dot has a rim at 3:1 or more against the white map (WCAG 1.4.11).
    assert min(out["rims"]) >= 3.0
