"""Fixtures: one emulator per session (the real binary, over real WebSockets), a fresh hub per
test (so connections and groups never leak between tests), and clients stopped at teardown."""

import itertools
import threading
import time

import pytest

from webpubsub_client import WebPubSubClient
from webpubsub_client.emulator import Emulator

_hubs = itertools.count(1)


@pytest.fixture(scope="session")
def emulator():
    with Emulator() as running:
        yield running


@pytest.fixture
def hub():
    return f"pyhub{next(_hubs)}"


@pytest.fixture
def url(emulator, hub):
    """A client access URL for user1 with permission to join and send to every group."""
    return emulator.client_access_url(hub, user_id="user1", roles=Emulator.GROUP_ROLES)


@pytest.fixture
def make_client(emulator, hub):
    """``make_client(url=None, **options)``: a client of this test's hub, stopped at teardown."""
    clients = []

    def make(url=None, user_id="user1", roles=Emulator.GROUP_ROLES, **options):
        if url is None:
            url = emulator.client_access_url(hub, user_id=user_id, roles=roles)
        client = WebPubSubClient(url, **options)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.stop()


def wait_until(predicate, timeout=15.0, interval=0.01):
    """Polls ``predicate`` until it is truthy; returns its last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(interval)


class Recorder:
    """A thread-safe list of what callbacks saw, with waiting."""

    def __init__(self):
        self.items = []
        self._cond = threading.Condition()

    def __call__(self, item):
        with self._cond:
            self.items.append(item)
            self._cond.notify_all()

    def wait_for(self, count, timeout=15.0):
        with self._cond:
            self._cond.wait_for(lambda: len(self.items) >= count, timeout)
            return list(self.items)

    def __len__(self):
        with self._cond:
            return len(self.items)


@pytest.fixture
def recorder():
    return Recorder
