"""Links that restore a view: what each parameter means, and bad values ignored with a notice."""

from explorer.links import parse

MODELS = ["mnist-vae", "mnist-ae", "mnist-beta-vae", "fashion-vae"]


def test_every_parameter_is_read():
    values, problems = parse(
        {
            "z": "2,-1",
            "path": "-1.5,1.5;1.5,-1.5",
            "model": "mnist-ae",
            "view": "compare",
            "present": "1",
            "board": "k7q2p",
            "digit": "42",
            "samples": "7",
        },
        MODELS,
    )
    assert problems == []
    assert values == {
        "z": [2.0, -1.0],
        "path": [[-1.5, 1.5], [1.5, -1.5]],
        "model": "mnist-ae",
        "view": "compare",
        "present": True,
        "board": "K7Q2P",
        "digit": 42,
        "samples": 7,
    }


def test_bad_values_are_ignored_with_a_sentence_each_and_never_raise():
    values, problems = parse(
        {"z": "2", "path": "1,1", "model": "gpt", "view": "3d", "present": "maybe", "board": "!", "digit": "10000"},
        MODELS,
    )
    assert values == {}
    assert len(problems) == 7 and all("was ignored" in problem for problem in problems)
    assert any("the models are mnist-vae, mnist-ae" in problem for problem in problems)


def test_numbers_that_are_not_numbers_are_refused():
    for text in ("nan,1", "inf,0", "1e9,0", "1;2", "a,b", ""):
        values, problems = parse({"z": text}, MODELS)
        assert "z" not in values and problems, text
    values, _ = parse({"path": ";".join(["0,0"] * 21)}, MODELS)
    assert "path" not in values  # at most twenty waypoints


def test_a_d_dimensional_models_views_are_read_and_bad_ones_refused():
    for text, view in (
        ("pca:2,3", "pca:2,3"),
        ("slice:3,7", "slice:3,7"),
        ("neighbours", "neighbours"),
        ("PCA:1,2", "pca:1,2"),
    ):
        values, problems = parse({"view": text}, MODELS)
        assert problems == [] and values["view"] == ("map", view), text
    for text in ("slice:3,3", "pca:0,1", "slice:1,65", "neighbours:1,2", "slice", "tsne"):
        values, problems = parse({"view": text}, MODELS)
        assert "view" not in values and len(problems) == 1, text
