"""Helpers for the interop tests: the emulator is started by scripts/test/20-interop.sh, which
exports WPS_ENDPOINT (http://127.0.0.1:PORT) and WPS_CONNECTION_STRING."""

import json
import os
import time
import urllib.parse
import urllib.request

import pytest

ENDPOINT = os.environ.get("WPS_ENDPOINT", "")
CONNECTION_STRING = os.environ.get("WPS_CONNECTION_STRING", "")
JOIN = "webpubsub.joinLeaveGroup"
SEND = "webpubsub.sendToGroup"


def pytest_collection_modifyitems(config, items):
    if not ENDPOINT:
        raise pytest.UsageError("WPS_ENDPOINT is not set: run these tests through scripts/test/20-interop.sh")


def control(method, path, body=None, content_type=None):
    """Calls the emulator's control surface (/_emulator/...) and returns the decoded JSON."""
    req = urllib.request.Request(ENDPOINT + "/_emulator" + path, data=body, method=method)
    if content_type:
        req.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            raw = resp.read()
    except urllib.error.HTTPError as e:
        raise AssertionError(f"{method} {path} -> HTTP {e.code}: {e.read()!r}") from None
    return json.loads(raw) if raw else None


def client_url(hub, user, roles=(), groups=()):
    query = [("hub", hub), ("userId", user)] + [("role", r) for r in roles] + [("group", g) for g in groups]
    return control("GET", "/client-access-url?" + urllib.parse.urlencode(query))["url"]


def connections(hub):
    return control("GET", "/connections?hub=" + hub)


def wait_for(predicate, timeout=15.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")
