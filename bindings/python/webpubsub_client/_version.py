"""The binding's own version (the C library reports its own through ``library_version()``)."""

__version__ = "0.1.0"
