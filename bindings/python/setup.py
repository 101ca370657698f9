"""Packs the built C library into the wheel (pyproject.toml holds everything else).

`pip install ./bindings/python` copies ``libwebpubsub_client.so`` into the package, taken from
the first of: $WEBPUBSUB_CLIENT_LIBRARY, $CARGO_TARGET_DIR/release, and the workspace's
``target/release`` (two directories up). Build it first with ``cargo build --release``.
Without it the package installs anyway (a warning says so) and then finds the library at
run time through $WEBPUBSUB_CLIENT_LIBRARY.
"""

import os
import shutil
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.dist import Distribution

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "webpubsub_client"))
from _native import LIBRARY_ENV, LIBRARY_FILE  # noqa: E402  (a plain module: no package import)

sys.path.pop(0)


def built_library():
    candidates = []
    if os.environ.get(LIBRARY_ENV):
        candidates.append(Path(os.environ[LIBRARY_ENV]))
    if os.environ.get("CARGO_TARGET_DIR"):
        candidates.append(Path(os.environ["CARGO_TARGET_DIR"]) / "release" / LIBRARY_FILE)
    candidates.append(HERE.parents[1] / "target" / "release" / LIBRARY_FILE)
    return next((c for c in candidates if c.is_file()), None)


class BuildWithLibrary(build_py):
    def run(self):
        super().run()
        library = built_library()
        if library is None:
            self.warn(f"{LIBRARY_FILE} not found: the package will need {LIBRARY_ENV} at run time")
            return
        destination = Path(self.build_lib) / "webpubsub_client" / LIBRARY_FILE
        self.copy_file(str(library), str(destination))


class BinaryDistribution(Distribution):
    """The wheel holds a native library: tag it for this platform, not ``py3-none-any``."""

    def has_ext_modules(self):
        return True


setup(cmdclass={"build_py": BuildWithLibrary}, distclass=BinaryDistribution)
