"""Benchmarks side by side with the reference JS SDK (``python build.py bench``)."""
