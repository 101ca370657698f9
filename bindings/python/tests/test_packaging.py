"""`pip install ./bindings/python` into a fresh venv gives a package that carries the built
library and works: import, version check, and a round trip against the emulator."""

import os
import subprocess
import textwrap
import venv
from pathlib import Path

from webpubsub_client.emulator import Emulator

PACKAGE_ROOT = Path(__file__).resolve().parents[1]

SMOKE = textwrap.dedent(
    """
    import sys, threading
    import webpubsub_client
    from webpubsub_client import WebPubSubClient
    print(webpubsub_client.library_path())
    print(webpubsub_client.library_version())
    got = threading.Event()
    with WebPubSubClient(sys.argv[1]) as client:
        client.on("group-message", lambda e: got.set())
        client.join_group("smoke")
        client.send_to_group("smoke", "hello world", "text")
        assert got.wait(10), "no message received"
    print("ok")
    """
)


def test_pip_install_into_a_fresh_venv(tmp_path, emulator, hub):
    target = tmp_path / "venv"
    venv.create(target, with_pip=True)
    python = target / "bin" / "python"
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", str(PACKAGE_ROOT)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert install.returncode == 0, install.stdout + install.stderr

    # Run from elsewhere, with nothing pointing at the build tree: the installed copy is used.
    env = {k: v for k, v in os.environ.items() if k not in ("WEBPUBSUB_CLIENT_LIBRARY", "CARGO_TARGET_DIR", "PYTHONPATH")}
    url = emulator.client_access_url(hub, user_id="smoke", roles=Emulator.GROUP_ROLES)
    smoke = subprocess.run([str(python), "-c", SMOKE, url], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=60)
    assert smoke.returncode == 0, smoke.stdout + smoke.stderr
    library_path, version, status = smoke.stdout.split()
    assert target.resolve() in Path(library_path).resolve().parents
    assert Path(library_path).parent.name == "webpubsub_client"
    assert version and status == "ok"
