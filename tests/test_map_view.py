"""How the map's figure travels to the browser (explorer/map_view.py)."""

import base64
import json

import numpy as np
import pytest

from explorer import map_view
from vae.plots import figures


def decoded(value: dict) -> np.ndarray:
    return np.frombuffer(base64.b64decode(value["b64"]), "<i4" if value["dtype"] == "i32" else "<f4")


def test_arrays_travel_as_float32_and_int32_and_keep_their_gaps():
    line = map_view.encode_array([0.5, np.nan, -2.25])
    assert line["dtype"] == "f32"
    values = decoded(line)
    assert values[0] == 0.5 and np.isnan(values[1]) and values[2] == -2.25
    indices = map_view.encode_array(np.array([3, 70000], np.int64))
    assert indices["dtype"] == "i32" and decoded(indices).tolist() == [3, 70000]


def test_a_trace_keeps_everything_but_its_arrays_as_it_was():
    points = np.random.default_rng(0).normal(size=(50, 2)).astype(np.float32)
    labels = np.arange(50) % 10
    trace = figures.data_traces(points, labels, tuple("0123456789"))[7]
    sent = map_view.encode_trace(trace)
    assert {key: value for key, value in sent.items() if key not in map_view.ARRAYS} == {
        key: value for key, value in trace.items() if key not in map_view.ARRAYS
    }
    assert decoded(sent["x"]).tolist() == points[labels == 7, 0].tolist()
    assert decoded(sent["customdata"]).tolist() == np.flatnonzero(labels == 7).tolist()
    waypoints = figures.path_traces(points[:3], points[:3])
    assert [map_view.encode_trace(t).get("text") for t in waypoints] == [None, ["A", "B", "C"]]


def test_the_maps_modules_are_joined_in_order_with_no_import_left(tmp_path):
    script = map_view.JS
    assert "\nimport " not in script and "export default function" in script
    assert script.count("export ") == 1
    for name in map_view.MODULES:
        assert f"// ---- map/{name}.js" in script
        assert len((map_view.MODULE_DIR / f"{name}.js").read_text().splitlines()) <= 420, name
    (tmp_path / "a.js").write_text('import { b } from "./b.js";\nexport function a() { return b(); }\n')
    (tmp_path / "b.js").write_text("export function b() { return 1; }\n")
    assert "function a()" in map_view.bundle(("b", "a"), tmp_path)
    with pytest.raises(ValueError, match="imports b"):
        map_view.bundle(("a", "b"), tmp_path)


def test_the_points_go_inline_where_the_static_folder_is_not_served():
    # Outside a server of app.py (a benchmark's page, a script elsewhere), nothing is written.
    base = [{"name": "0", "x": {"b64": "", "dtype": "f32"}}]
    assert map_view.base_reference("token-a", base) == {"token": "token-a", "traces": base}


def test_a_deleted_points_file_is_written_again_on_the_next_run(tmp_path, monkeypatch):
    # The server caches the file's content per model, not the fact that it exists: someone
    # who empties static/maps/ while the app runs costs the next run one write, not the map.
    from explorer import static_files

    monkeypatch.setattr(static_files, "STATIC_DIR", tmp_path)
    monkeypatch.setattr(static_files, "served", lambda: True)
    base = [{"name": "0", "x": {"b64": "AAAA", "dtype": "f32"}}]
    first = map_view.base_reference("token-deleted", base)
    written = tmp_path / first["url"].removeprefix("app/static/")
    assert written.is_file()
    written.unlink()
    assert map_view.base_reference("token-deleted", base) == first
    assert written.is_file() and json.loads(written.read_text())["token"] == "token-deleted"
