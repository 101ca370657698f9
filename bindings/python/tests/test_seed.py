"""The seed page (shared/reference/SEED-python-client-readme.txt), its code run as written.

The snippets below are the page's code blocks, copied verbatim (dedented where the page
indents them as list items). As printed they are not all valid Python, so ``FILL_INS`` lists
the only changes, each applied exactly once:

1. ``from azure.messaging.webpubsubclient import ...`` -> ``from webpubsub_client import ...``:
   this package instead of the official one.
2. ``"<<client-access-url>>"`` -> ``CLIENT_ACCESS_URL``, the emulator's URL (a variable).
3. The empty f-string fields ``{}`` (a SyntaxError) get the expression they stand for:
   ``{e.data}`` for message data, ``{e.group}`` for the group.
4. ``"<client-access-url>"`` -> ``CREDENTIAL``: the emulator's, renewing the token on each
   connection.
5. The retry snippet's ``except`` gets the ``try:`` it belongs to, with the operation it
   retries (``client.join_group(group_name)``) and the import of ``SendMessageError`` that
   the page leaves out.
6. Sections 3 and 4 "continue the code snippet from above", whose ``with`` block holds only a
   comment: they are indented into that block.

Everything else in each test (starting clients, a second client observing group1, faults
injected through the emulator) happens around the page's code, never inside it.
"""

import os
import re
import textwrap
import time
from pathlib import Path

import pytest

from webpubsub_client import WebPubSubClient, WebPubSubClientCredential
from webpubsub_client.emulator import Emulator

from conftest import wait_until

CONNECT = '''\
from azure.messaging.webpubsubclient import WebPubSubClient

client = WebPubSubClient("<<client-access-url>>")
with client:
    # The client can join/leave groups, send/receive messages to and from those groups all in real-time
'''

JOIN = '''\
# ...continues the code snippet from above

# Registers a listener for the event 'group-message' early before joining a group to not miss messages
group_name = "group1";
client.on("group-message", lambda e: print(f"Received message: {}"));

# A client needs to join the group it wishes to receive messages from
'''

SEND = '''\
# ...continues the code snippet from above

# Send a message to a joined group
client.send_to_group(group_name, "hello world", "text");

# In the Console tab of your developer tools found in your browser, you should see the message printed there.
'''

LIFECYCLE_CALLBACKS = '''\
client.on("connected", lambda e: print(f"Connection {e.connection_id} is connected"))
client.on("disconnected", lambda e: print(f"Connection disconnected: {e.message}"))
client.on("stopped", lambda : print("Client has stopped"))
'''

MESSAGE_CALLBACKS = '''\
# Registers a listener for the "server-message". The callback is invoked when your application server sends message to the connectionID, to or broadcast to all connections.
client.on("server-message", lambda e: print(f"Received message {}"))

# Registers a listener for the "group-message". The callback is invoked when the client receives a message from the groups it has joined.
client.on("group-message", lambda e: print(f"Received message from {}: {}"))
'''

REJOIN = '''\
# By default auto_rejoin_groups=True. You can disable it by setting to False.
client = WebPubSubClient("<client-access-url>", auto_rejoin_groups=True);

# Registers a listener to handle "rejoin-group-failed" event
client.on("rejoin-group-failed", lambda e: print(f"Rejoin group {} failed: {e.error}"))
'''

RETRY = '''\
except SendMessageError as e:
  client.join_group(group_name, ack_id=e.ack_id)
'''

FILL_INS = {
    "CONNECT": [
        ("from azure.messaging.webpubsubclient import WebPubSubClient", "from webpubsub_client import WebPubSubClient"),
        ('"<<client-access-url>>"', "CLIENT_ACCESS_URL"),
    ],
    "JOIN": [('f"Received message: {}"', 'f"Received message: {e.data}"')],
    "MESSAGE_CALLBACKS": [
        ('f"Received message {}"', 'f"Received message {e.data}"'),
        ('f"Received message from {}: {}"', 'f"Received message from {e.group}: {e.data}"'),
    ],
    "REJOIN": [
        ('"<client-access-url>"', "CREDENTIAL"),
        ('f"Rejoin group {} failed: {e.error}"', 'f"Rejoin group {e.group} failed: {e.error}"'),
    ],
    "RETRY": [
        (
            "except SendMessageError as e:",
            "from webpubsub_client import SendMessageError\ntry:\n  client.join_group(group_name)\nexcept SendMessageError as e:",
        )
    ],
}


def filled(name: str) -> str:
    code = globals()[name]
    for old, new in FILL_INS.get(name, []):
        assert code.count(old) == 1, (name, old)
        code = code.replace(old, new)
    return code


def program(*names: str) -> str:
    return "".join(filled(name) for name in names)


def with_block_program() -> str:
    # Fill-in 6: the continuation snippets go inside the `with` block.
    return filled("CONNECT") + textwrap.indent(filled("JOIN") + filled("SEND"), "    ")


def test_the_snippets_are_the_pages_code():
    # The page is project reference material kept outside the repository.
    page = Path(os.environ.get("WEBPUBSUB_SEED_PAGE", "/work/shared/reference/SEED-python-client-readme.txt"))
    if not page.is_file():
        pytest.skip(f"the seed page is not at {page} (set WEBPUBSUB_SEED_PAGE)")
    text = page.read_text()
    for snippet in (CONNECT, JOIN, SEND, MESSAGE_CALLBACKS, REJOIN, RETRY):
        for line in snippet.splitlines():
            assert line in text, line
    for line in LIFECYCLE_CALLBACKS.splitlines():  # indented as list items on the page
        assert "    " + line in text, line


class Output:
    """What the page's callbacks printed (they run on the library's thread)."""

    def __init__(self, capsys):
        self.capsys = capsys
        self.text = ""

    def wait_for(self, pattern: str, timeout: float = 15.0) -> re.Match:
        deadline = time.monotonic() + timeout
        while True:
            self.text += self.capsys.readouterr().out
            match = re.search(pattern, self.text, re.M)
            if match or time.monotonic() > deadline:
                assert match, f"{pattern!r} not printed; output so far:\n{self.text}"
                return match
            time.sleep(0.01)


def test_seed_walkthrough(emulator, hub, capsys, recorder):
    out = Output(capsys)
    observer = WebPubSubClient(emulator.client_access_url(hub, user_id="observer", roles=Emulator.GROUP_ROLES))
    seen = recorder()
    observer.on("group-message", lambda e: seen((e.from_user_id, e.data_type.value, e.data)))
    observer.start()
    observer.join_group("group1")
    namespace = {"CLIENT_ACCESS_URL": emulator.client_access_url(hub, user_id="user1", roles=Emulator.GROUP_ROLES)}

    # Sections 2-4: connect, register a group-message callback, send "hello world".
    exec(compile(with_block_program(), "seed-sections-2-4", "exec"), namespace)
    assert seen.wait_for(1) == [("user1", "text", "hello world")]
    client = namespace["client"]
    assert not client.is_connected()  # leaving the `with` block stopped it

    # Callbacks for connected, disconnected, stopped, server and group messages.
    exec(compile(program("LIFECYCLE_CALLBACKS", "MESSAGE_CALLBACKS"), "seed-callbacks", "exec"), namespace)
    client.start()  # "If you want to restart the client, you can call client.start()"
    connection_id = out.wait_for(r"^Connection (\S+) is connected$").group(1)
    client.join_group("group1")
    observer.send_to_group("group1", "hi from observer", "text")
    out.wait_for(r"^Received message: hi from observer$")
    out.wait_for(r"^Received message from group1: hi from observer$")
    emulator.send_to_connection(hub, connection_id, b"hi from the server")
    out.wait_for(r"^Received message hi from the server$")
    emulator.close(connection_id, 1008, "Closed by the walk-through.")  # lost for good
    out.wait_for(r"^Connection disconnected: Closed by the walk-through\.$")
    assert wait_until(client.is_connected)  # reconnected on its own
    client.stop()
    out.wait_for(r"^Client has stopped$")

    # Rejoin failure: the renewed token of the next connection may not join group1 any more.
    tokens = [
        emulator.client_access_url(hub, user_id="user1", roles=Emulator.GROUP_ROLES),
        emulator.client_access_url(hub, user_id="user1"),
    ]
    namespace["CREDENTIAL"] = WebPubSubClientCredential(lambda: tokens.pop(0) if len(tokens) > 1 else tokens[0])
    exec(compile(program("REJOIN"), "seed-rejoin", "exec"), namespace)
    rejoining = namespace["client"]
    connected = recorder()
    rejoining.on("connected", lambda e: connected(e.connection_id))
    rejoining.start()
    rejoining.join_group("group1")
    emulator.close(connected.wait_for(1)[0], 1008)
    out.wait_for(r"^Rejoin group group1 failed: .*Forbidden")
    rejoining.stop()

    # Operation and retry: every attempt of the join fails (the first and the three default
    # retries); the page's `except` retries with the same ack id, and that succeeds.
    retrying = WebPubSubClient(emulator.client_access_url(hub, user_id="retrier", roles=Emulator.GROUP_ROLES))
    retrying.start()
    calls = []
    real_join = retrying.join_group

    def spy(group, ack_id=None):
        calls.append((group, ack_id))
        return real_join(group, ack_id=ack_id)

    retrying.join_group = spy  # observes the page's calls without changing them
    namespace["client"] = retrying
    emulator.request("POST", "fail-acks", {"count": 4})
    exec(compile(program("RETRY"), "seed-retry", "exec"), namespace)
    assert [group for group, _ in calls] == ["group1", "group1"]
    assert calls[0][1] is None and isinstance(calls[1][1], int)
    [connection] = [c for c in emulator.connections(hub) if c["userId"] == "retrier"]
    assert connection["groups"] == ["group1"]
    retrying.stop()
    observer.stop()
