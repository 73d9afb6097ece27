"""Benchmarks: run each as `python -m bench.<name>`; none is part of the test suite."""
