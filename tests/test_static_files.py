"""Files the page fetches once, on disk (explorer/static_files.py)."""

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
