"""Relais benchmarks (`make bench`): each figure the median of several runs, with
min and max, and a ratio against a reference measured in the same run on the same
machine. See bench/README.md."""
