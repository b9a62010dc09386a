"""Benchmarks: `python -m bench` (or `make bench`). Figures and ratios against baselines measured
in the same run, on loopback only, bounded in count. Not part of the test suite."""
