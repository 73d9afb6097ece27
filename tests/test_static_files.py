"""Files the page fetches once, on disk (explorer/static_files.py)."""

import os
import time

from explorer import static_files


def test_a_file_is_written_once_atomically_and_readable_by_the_server(tmp_path):
    folder = tmp_path / "decoders"
    static_files.write_once(folder, "abc.bin", b"VAED1234")
    target = folder / "abc.bin"
    assert target.read_bytes() == b"VAED1234" and target.stat().st_mode & 0o444 == 0o444
    stamp = target.stat().st_mtime_ns
    static_files.write_once(folder, "abc.bin", b"VAED1234")
    assert target.stat().st_mtime_ns == stamp
    assert [p.name for p in folder.iterdir()] == ["abc.bin"]  # no partial file left


def test_the_static_folder_is_the_one_streamlit_serves():
    from tests.conftest import ROOT

    assert static_files.STATIC_DIR == ROOT / "static"
    assert "enableStaticServing = true" in (ROOT / ".streamlit" / "config.toml").read_text()


def dated(path, seconds_ago: float) -> None:
    stamp = time.time() - seconds_ago
    os.utime(path, (stamp, stamp))


def test_a_folder_keeps_the_files_published_most_recently(tmp_path):
    """A class that trains model after model does not fill the server's disk: after a new
    file, a folder keeps its `keep` most recently published; one in use is dated again."""
    folder = tmp_path / "decoders"
    for number in range(3):
        static_files.write_once(folder, f"{number}.bin", b"VAED%d" % number, keep=3)
        dated(folder / f"{number}.bin", 600 - number * 100)  # 0.bin the oldest
    (folder / ".part-abc").write_bytes(b"VAE")  # another process is writing this one
    static_files.write_once(folder, "0.bin", b"VAED0", keep=3)  # still in use: dated again
    static_files.write_once(folder, "3.bin", b"VAED3", keep=3)
    assert sorted(p.name for p in folder.iterdir()) == [".part-abc", "0.bin", "2.bin", "3.bin"]
    # A file let go is written again by the next run that needs it.
    static_files.write_once(folder, "1.bin", b"VAED1", keep=3)
    assert (folder / "1.bin").read_bytes() == b"VAED1"
    assert len([p for p in folder.iterdir() if not p.name.startswith(".part-")]) == 3


def test_a_file_in_use_is_dated_again_at_most_once_a_minute(tmp_path):
    folder = tmp_path / "maps"
    static_files.write_once(folder, "a.json", b"{}")
    target = folder / "a.json"
    dated(target, 30)
    stamp = target.stat().st_mtime
    static_files.write_once(folder, "a.json", b"{}")
    assert target.stat().st_mtime == stamp  # within the minute: not written
    dated(target, 120)
    static_files.write_once(folder, "a.json", b"{}")
    assert target.stat().st_mtime > stamp
