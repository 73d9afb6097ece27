"""The benchmarks still run (tiny settings); their figures are not asserted here."""

import subprocess
import sys

from tests.conftest import ROOT, SHARED_MNIST


def run(*args):
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_bench_inference_prints_its_table():
    result = run("bench.inference", "--repeats", "2")
    assert result.returncode == 0, result.stderr
    assert "decode one clicked point" in result.stdout and "machine:" in result.stdout


def test_bench_train_quick_compares_against_the_references():
    result = run("bench.train", "--quick", "--data-dir", str(SHARED_MNIST))
    assert result.returncode == 0, result.stderr
    assert "reference: tutorial dense" in result.stdout and "training time ratio" in result.stdout
