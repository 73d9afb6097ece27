"""The map layer's clicks as the server reads them (explorer/map_layer.py)."""

from explorer.map_layer import checked_click


def test_a_click_keeps_the_view_it_was_made_on():
    click = checked_click({"x": 1.0, "y": -2.0, "scale": 40.0, "hidden": [], "view": "slice:3,7"})
    assert click["view"] == "slice:3,7" and (click["x"], click["y"]) == (1.0, -2.0)
    assert checked_click({"x": 1.0, "y": -2.0})["view"] is None  # a click from before views were named


def test_a_forged_view_is_refused_as_a_forged_coordinate_is():
    assert checked_click({"x": 1.0, "y": 2.0, "view": 7}) is None
    assert checked_click({"x": 1.0, "y": 2.0, "view": "pca:" + "1" * 100}) is None
    assert checked_click({"x": float("nan"), "y": 2.0, "view": "pca:1,2"}) is None
