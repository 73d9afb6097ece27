"""A folder of one's own pictures as a dataset: read, refused with a reason, trained from the command line."""

import io
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

import vae
from tests.conftest import ROOT
from vae.data import folders, shapes


def png(picture: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(np.round(np.clip(picture, 0, 1) * 255).astype(np.uint8)).save(buffer, "PNG")
    return buffer.getvalue()


def write_shapes(folder, n=120, colour=False, classes=True, seed=0):
    """n shape pictures, in class subfolders (or not), grey or coloured by shape; returns the labels."""
    data = shapes.make_shapes(n, 0, seed=seed)
    tints = np.array([[1.0, 0.25, 0.2], [0.2, 0.8, 0.25], [0.25, 0.35, 1.0]])
    for index, (picture, label) in enumerate(zip(data.x_train, data.y_train, strict=True)):
        where = folder / data.class_names[label] if classes else folder
        where.mkdir(parents=True, exist_ok=True)
        pixels = picture[..., None] * tints[label] if colour else picture
        (where / f"{index:05d}.png").write_bytes(png(pixels))
    return data.y_train


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "vae", *args], cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_subfolders_are_the_classes_and_every_fifth_picture_is_held_out(tmp_path):
    labels = write_shapes(tmp_path / "My Shapes!", 150)
    data = folders.read_image_folder(tmp_path / "My Shapes!")
    assert data.name == "images-my-shapes" and data.title == "Your pictures: my-shapes"
    assert data.class_names == ("ellipse", "heart", "square")  # the subfolders, by name
    assert data.preparation == "ink" and data.channels == 1 and data.x_train.shape[1:] == (28, 28)
    assert len(data.x_train) + len(data.x_test) == 150 and abs(len(data.x_test) - 30) <= 3
    counts = np.bincount(np.concatenate([data.y_train, data.y_test]), minlength=3)
    named = {"square": 0, "ellipse": 1, "heart": 2}
    assert [counts[data.class_names.index(name)] for name in named] == [
        int((labels == v).sum()) for v in named.values()
    ]
    # The same files, the same identity; a changed file, another.
    assert folders.read_image_folder(tmp_path / "My Shapes!").content_hash == data.content_hash
    first = next((tmp_path / "My Shapes!" / "heart").iterdir())
    first.write_bytes(png(np.flipud(np.asarray(Image.open(first), np.float32) / 255)))
    assert folders.read_image_folder(tmp_path / "My Shapes!").content_hash != data.content_hash


def test_a_folder_without_subfolders_is_one_unlabeled_class(tmp_path):
    write_shapes(tmp_path / "loose", 60, classes=False)
    data = folders.read_image_folder(tmp_path / "loose")
    assert data.class_names == ("picture",) and not data.labeled and set(data.y_train) == {0}


def test_files_that_are_not_pictures_or_are_damaged_are_skipped_and_counted(tmp_path):
    folder = tmp_path / "mixed"
    write_shapes(folder, 60)
    (folder / "square" / "notes.txt").write_text("not a picture")
    (folder / "square" / "broken.png").write_bytes(png(np.zeros((28, 28)))[:40])  # cut short
    (folder / "heart" / "empty.jpg").write_bytes(b"")
    (folder / "README.md").write_text("beside the class folders")
    data = folders.read_image_folder(folder)
    assert len(data.x_train) + len(data.x_test) == 60
    assert data.notes[0] == "Skipped 4 files: 1 loose beside the class folders, 1 not a picture, 2 damaged or blank."


def test_a_class_of_one_picture_is_trained_on_and_said_to_have_no_place_on_the_map(tmp_path):
    folder = tmp_path / "lonely"
    write_shapes(folder, 60)
    (folder / "star").mkdir()
    (folder / "star" / "one.png").write_bytes(png(shapes.draw(np.array([[0, 3, 2, 4, 4]]))[0]))
    data = folders.read_image_folder(folder)
    star = data.class_names.index("star")
    assert (data.y_train == star).sum() == 1 and (data.y_test == star).sum() == 0
    assert any("'star' has 1 picture" in note and "none is held out" in note for note in data.notes)


def test_grey_and_colour_pictures_together_are_read_as_colour(tmp_path):
    folder = tmp_path / "both"
    write_shapes(folder / "red", 40, colour=True, classes=False, seed=1)
    write_shapes(folder / "grey", 40, classes=False, seed=2)
    data = folders.read_image_folder(folder)  # "auto": colour is seen, so the pictures are taken as they are
    assert data.preparation == "as-is" and data.channels == 3 and data.x_test.shape[1:] == (28, 28, 3)
    grey = data.x_train[data.y_train == data.class_names.index("grey")]
    assert np.abs(grey[..., 0] - grey[..., 2]).max() < 0.02 and grey.max() > 0.5  # repeated on three channels
    # Transparency is laid on white, and the picture's largest centred square is kept.
    rgba = np.zeros((40, 80, 4), np.uint8)
    rgba[:, 20:60] = (255, 0, 0, 255)
    picture = folders.prepare_as_is(Image.fromarray(rgba, "RGBA"))
    assert picture.shape == (28, 28, 3) and np.allclose(picture[14, 14], (1, 0, 0), atol=0.02)


def test_too_many_files_are_refused_before_any_is_read(tmp_path):
    folder = tmp_path / "huge"
    folder.mkdir()
    blank = png(np.zeros((28, 28)))
    for index in range(folders.MAX_IMAGES + 1):
        (folder / f"{index:05d}.png").write_bytes(blank)
    read = []
    with pytest.raises(ValueError, match="holds 20,001 pictures; the limit is 20,000"):
        folders.read_image_folder(folder, on_progress=lambda done, total: read.append(done))
    assert read == []


def test_the_command_line_trains_on_a_colour_folder_and_refuses_a_small_one(tmp_path):
    write_shapes(tmp_path / "colour", 120, colour=True)
    result = run_cli(
        "--images", str(tmp_path / "colour"), "--epochs", "1", "--hidden-units", "32", "--out", str(tmp_path / "m")
    )
    assert result.returncode == 0, result.stderr
    model = vae.load_model(tmp_path / "m")
    assert model.decode(np.zeros((5, 2))).shape == (5, 28, 28, 3)
    assert model.config.dataset == "images-colour" and model.config.preparation == "as-is"
    assert len(model.metrics["dataset_hash"]) == 32
    # The model carries its test pictures: its map opens wherever it goes.
    test = model.test_set()
    assert test.x_test.shape[1:] == (28, 28, 3) and test.class_names == ("ellipse", "heart", "square")

    write_shapes(tmp_path / "few", 20)
    (tmp_path / "few" / "heart" / "notes.txt").write_text("x")
    result = run_cli("--images", str(tmp_path / "few"))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "few has 20 pictures that can be read; a VAE needs at least 50" in result.stderr
    assert "skipped 1 file: 1 not a picture" in result.stderr


def test_a_grey_folder_gives_grey_pictures_and_shapes_train_from_the_command_line(tmp_path):
    write_shapes(tmp_path / "grey", 80)
    result = run_cli(
        "--images", str(tmp_path / "grey"), "--epochs", "1", "--hidden-units", "32", "--out", str(tmp_path / "g")
    )
    assert result.returncode == 0, result.stderr
    assert vae.load_model(tmp_path / "g").decode(np.zeros((3, 2))).shape == (3, 28, 28)
    result = run_cli(
        "--dataset",
        "shapes",
        "--epochs",
        "1",
        "--train-limit",
        "2000",
        "--hidden-units",
        "32",
        "--out",
        str(tmp_path / "s"),
    )
    assert result.returncode == 0, result.stderr
    model = vae.load_model(tmp_path / "s")
    assert model.config.dataset == "shapes" and model.test_set().class_names == ("square", "ellipse", "heart")


def test_a_folder_named_for_a_dataset_it_does_not_hold_says_what_it_holds(tmp_path):
    write_shapes(tmp_path / "mnist", 60)
    result = run_cli("--data-dir", str(tmp_path / "mnist"), "--epochs", "1")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "It holds 60 pictures, not MNIST's official files" in result.stderr
    assert f"python -m vae --images {tmp_path / 'mnist'}" in result.stderr


def test_the_class_recipe_takes_enough_steps_on_a_small_dataset():
    from vae.model.config import RECIPES, recipe_for

    assert recipe_for("class", 60_000) == RECIPES["class"] and recipe_for("best", 240) == RECIPES["best"]
    drawings = recipe_for("class", 240)  # a class's 300 drawings, less the held-out fifth
    assert drawings["batch_size"] == 16 and drawings["epochs"] == 50
    assert 600 <= drawings["epochs"] * (240 // drawings["batch_size"]) <= 800  # steps, where 6 of 256 gave 6
    middle = recipe_for("class", 10_000)
    assert middle["batch_size"] == 64 and middle["epochs"] * (10_000 // 64) >= 750


def test_colour_pictures_go_to_the_board_and_come_back_as_a_colour_dataset(tmp_path, monkeypatch):
    from vae.classroom.board import Entry, make_entry
    from vae.classroom.drawings import save_drawings
    from vae.plots.pictures import gif_bytes, png_bytes

    monkeypatch.setenv("VAE_MODEL_STORE", str(tmp_path / "store"))
    data = shapes.make_shapes(60, 0, seed=8)
    tint = np.array([0.9, 0.2, 0.1], np.float32)
    entries = [make_entry(p[..., None] * tint, "", "m", (0, 0), "s", "red") for p in data.x_train[:30]]
    entries += [make_entry(p, "", "m", (0, 0), "s", "grey") for p in data.x_train[30:]]
    assert entries[0].image.shape == (28, 28, 3) and entries[-1].image.shape == (28, 28)
    assert Entry.from_json(entries[0].to_json()).image.shape == (28, 28, 3)  # through Redis as it is
    name, folder = save_drawings(entries, "ABCDE")
    read = folders.read_image_folder(folder)
    assert read.name == name and read.channels == 3 and read.preparation == "ink"  # a colour drawing: colour
    red = read.x_train[read.y_train == read.class_names.index("red")]
    assert red[..., 0].max() > 0.8 and red[..., 2].max() < 0.2
    # The pictures for people keep the colour: a PNG in RGB, a GIF of colour frames.
    assert Image.open(io.BytesIO(png_bytes(red[0], 2))).mode == "RGB"
    assert Image.open(io.BytesIO(gif_bytes(red[:3], 2))).convert("RGB").getextrema()[0][1] > 150


def test_the_apps_training_of_a_folder_reports_its_reading_and_keeps_its_colour(tmp_path):
    import json
    import os

    from vae.cli import arguments_for
    from vae.model.config import TrainConfig

    write_shapes(tmp_path / "tinted", 120, colour=True)
    config = TrainConfig(dataset="images-tinted", epochs=1, hidden_units=(16,))
    result = subprocess.run(
        [sys.executable, "-m", "vae", *arguments_for(config), "--progress-json", "--out", str(tmp_path / "m")],
        cwd=ROOT,
        env={**os.environ, "VAE_IMAGE_DIRS": str(tmp_path / "tinted")},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    reading = [json.loads(line)["reading"] for line in result.stdout.splitlines() if '"reading"' in line]
    assert reading[-1] == {"done": 120, "total": 120}  # the app's bar before the first step
    assert vae.load_model(tmp_path / "m").config.channels == 3  # "--preparation ink" among every field: still colour
