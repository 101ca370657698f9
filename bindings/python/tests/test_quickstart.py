"""The quickstart runs the walk-through: against an emulator it starts itself, and against a
URL given on the command line."""

import re
import subprocess
import sys
from pathlib import Path

from webpubsub_client.emulator import Emulator

QUICKSTART = Path(__file__).resolve().parents[1] / "quickstart.py"
EXPECTED = [
    r"Connection \S+ is connected",
    "Received message from group1: hello world",
    "Connection disconnected: .*",
    "Client has stopped",
]


def run_quickstart(*args):
    done = subprocess.run([sys.executable, str(QUICKSTART), *args], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout.splitlines()


def test_quickstart_against_its_own_emulator():
    lines = run_quickstart()
    assert lines[0].startswith("Started the emulator at http://")
    assert_walkthrough(lines[1:])


def test_quickstart_with_a_url(emulator, hub):
    assert_walkthrough(run_quickstart("--url", emulator.client_access_url(hub, user_id="qs", roles=Emulator.GROUP_ROLES)))


def assert_walkthrough(lines):
    assert len(lines) == len(EXPECTED), lines
    for line, pattern in zip(lines, EXPECTED):
        assert re.fullmatch(pattern, line), (pattern, line)
