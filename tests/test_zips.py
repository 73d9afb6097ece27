"""Uploaded zips of pictures: unpacked when safe, refused with a sentence when not, nothing left behind."""

import io
import zipfile

import pytest

from tests.test_folders import png
from vae.data import folders, shapes, zips
from vae.data.sources import image_folders
from vae.places import pictures_dir


def zip_bytes(entries: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def shape_pngs(n: int, top: str = "doodles/") -> dict[str, bytes]:
    data = shapes.make_shapes(n, 0, seed=4)
    return {
        f"{top}{data.class_names[y]}/{i:04d}.png": png(x)
        for i, (x, y) in enumerate(zip(data.x_train, data.y_train, strict=True))
    }


def test_a_zip_of_a_folder_becomes_a_dataset_every_process_lists():
    entries = {**shape_pngs(80), "doodles/notes.txt": b"hello", "__MACOSX/doodles/._0001.png": b"junk"}
    progress = []
    name, folder, skipped = zips.store_zip(
        zip_bytes(entries), "Doodles.zip", lambda done, total: progress.append((done, total))
    )
    assert name == "images-doodles" and folder == pictures_dir() / "Doodles"
    assert skipped == 2 and progress[-1] == (80, 80)
    assert image_folders()[name] == folder  # listed as a dataset
    data = folders.read_image_folder(folder)
    assert data.class_names == ("ellipse", "heart", "square") and len(data.x_train) + len(data.x_test) == 80
    # The same zip again is another dataset, not the first one overwritten.
    assert zips.store_zip(zip_bytes(entries), "Doodles.zip")[0] == "images-doodles-2"


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ({"../escape.png": b"x"}, "leaves its folder"),
        ({"doodles/../../escape.png": b"x"}, "leaves its folder"),
        ({"/etc/cron.d/x.png": b"x"}, "leaves its folder"),
        ({"C:/Windows/x.png": b"x"}, "leaves its folder"),
        ({"doodles\\..\\x.png": b"x"}, "leaves its folder"),
    ],
)
def test_paths_that_leave_the_folder_are_refused_and_nothing_is_unpacked(tmp_path, entries, message):
    with pytest.raises(ValueError, match=message):
        zips.store_zip(zip_bytes({**shape_pngs(60), **entries}), "evil.zip")
    assert not (tmp_path / "escape.png").exists()
    assert not pictures_dir().exists() or not any(pictures_dir().iterdir())


def test_a_link_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        link = zipfile.ZipInfo("doodles/link.png")
        link.external_attr = (0o120777) << 16  # a symbolic link
        archive.writestr(link, "/etc/passwd")
    with pytest.raises(ValueError, match="holds a link"):
        zips.store_zip(buffer.getvalue(), "links.zip")


def test_a_zip_bomb_is_refused_from_its_directory_before_unpacking():
    bomb = zip_bytes({"doodles/a/big.png": b"\0" * (50 * 2**20), **shape_pngs(60)})  # 50 MB of zeros: 50 kB packed
    assert len(bomb) < 2**20
    with pytest.raises(ValueError, match="times its packed size; no picture does that"):
        zips.store_zip(bomb, "bomb.zip")
    assert not pictures_dir().exists() or not any(pictures_dir().iterdir())


def test_a_zip_of_ten_thousand_empty_files_is_refused_with_what_it_held():
    empty = zip_bytes({f"empty/{i:05d}.png": b"" for i in range(10_000)}, zipfile.ZIP_STORED)
    with pytest.raises(ValueError, match=r"empty.zip holds 0 pictures \(and 10,000 empty or other files\)"):
        zips.store_zip(empty, "empty.zip")
    assert not any(pictures_dir().iterdir())


def test_not_a_zip_and_too_large_a_zip_are_said_so(monkeypatch):
    with pytest.raises(ValueError, match="not a zip that can be read"):
        zips.store_zip(b"PK\x03\x04 not really", "fake.zip")
    monkeypatch.setattr(zips, "MAX_ZIP_BYTES", 1000)
    with pytest.raises(ValueError, match="the limit is 0.000953674 MB"):
        zips.store_zip(zip_bytes(shape_pngs(60)), "big.zip")
