"""The project's own files agree: the README's install path and pyproject.toml, the lint."""

import shutil
import subprocess
import sys

import pytest
import tomllib

from tests.conftest import ROOT


def requirement_lines(path):
    lines = []
    for line in (ROOT / path).read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-r"):
            lines.append(line.replace('"', "'"))
    return lines


def test_requirements_files_match_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert requirement_lines("requirements.txt") == project["dependencies"]
    assert requirement_lines("requirements-dev.txt") == project["optional-dependencies"]["dev"]


def test_the_code_passes_ruff():
    if (
        shutil.which("ruff") is None
        and subprocess.run([sys.executable, "-m", "ruff", "--version"], capture_output=True).returncode
    ):
        pytest.skip("needs ruff (pip install -r requirements-dev.txt)")
    for command in (["check", "."], ["format", "--check", "."]):
        result = subprocess.run([sys.executable, "-m", "ruff", *command], cwd=ROOT, capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr


def test_vae_never_imports_streamlit():
    for path in (ROOT / "vae").rglob("*.py"):
        assert "import streamlit" not in path.read_text(), path
