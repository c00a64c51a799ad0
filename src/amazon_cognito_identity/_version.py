"""The package version (its own module, so any module may read it while the package imports)."""

__version__ = "0.1.0"
