"""The official Python client SDK (azure-messaging-webpubsubclient) against the emulator."""

import queue
import threading
import time

from azure.messaging.webpubsubclient import WebPubSubClient, WebPubSubClientCredential
from azure.messaging.webpubsubclient.models import CallbackType, WebPubSubDataType, SendMessageError

from conftest import JOIN, SEND, client_url, connections, control, wait_for

HUB = "pyclient"


# The sync client can miss an ack that arrives before it starts waiting for it (it waits on a
# condition variable without a predicate) and then sits out the whole ack_timeout before
# succeeding; against a zero-latency local service that race is frequent. A short ack_timeout
# bounds the cost of each lost wake-up.
ACK_TIMEOUT = 3.0


def make_client(user, **kwargs):
    # A credential callback: called on open and on every reconnect, like a real app's.
    kwargs.setdefault("ack_timeout", ACK_TIMEOUT)
    return WebPubSubClient(WebPubSubClientCredential(lambda: client_url(HUB, user, roles=[JOIN, SEND])), **kwargs)


def test_connect_join_send_receive_event():
    client = make_client("alice")
    got = queue.Queue()
    connected = queue.Queue()
    client.subscribe(CallbackType.CONNECTED, lambda e: connected.put(e))
    client.subscribe(CallbackType.GROUP_MESSAGE, lambda e: got.put(e))
    client.open()
    try:
        ev = connected.get(timeout=10)
        assert ev.user_id == "alice"
        conn_id = ev.connection_id
        client.join_group("room")
        assert connections(HUB)[0]["groups"] == ["room"]
        client.send_to_group("room", "hello", WebPubSubDataType.TEXT)
        m = got.get(timeout=10)
        assert (m.group, m.data, m.from_user_id, m.data_type) == ("room", "hello", "alice", WebPubSubDataType.TEXT)
        assert m.sequence_id == 1
        client.send_to_group("room", {"n": 1}, WebPubSubDataType.JSON)
        assert got.get(timeout=10).data == {"n": 1}
        client.send_to_group("room", memoryview(b"\x01\x02"), WebPubSubDataType.BINARY)
        assert bytes(got.get(timeout=10).data) == b"\x01\x02"
        client.send_to_group("room", "not to me", WebPubSubDataType.TEXT, no_echo=True)
        time.sleep(0.3)
        assert got.empty(), "noEcho honoured"
        client.send_event("greet", {"hi": True}, WebPubSubDataType.JSON)
        events = control("GET", "/events?hub=" + HUB)
        assert {"hub": HUB, "connectionId": conn_id, "userId": "alice", "event": "greet", "dataType": "json", "data": {"hi": True}} in events
    finally:
        client.close()


def test_forbidden_is_reported_with_the_ack_error():
    url = client_url(HUB, "nobody")  # no roles
    client = WebPubSubClient(url, message_retry_total=0, ack_timeout=ACK_TIMEOUT)
    client.open()
    try:
        try:
            client.join_group("locked")
            raise AssertionError("join without permission must fail")
        except SendMessageError as e:
            assert e.error_detail.name == "Forbidden"
    finally:
        client.close()


def test_500_numbered_messages_exactly_once_in_order_across_abrupt_drops():
    client = make_client("bob")
    received = []
    done = threading.Event()
    connected = queue.Queue()

    def on_group(e):
        received.append(int(e.data))
        if len(received) >= 500:
            done.set()

    client.subscribe(CallbackType.CONNECTED, lambda e: connected.put(e.connection_id))
    client.subscribe(CallbackType.GROUP_MESSAGE, on_group)
    client.open()
    try:
        conn_id = connected.get(timeout=10)
        client.join_group("numbers")
        drops = 0
        for n in range(1, 501):
            control("POST", f"/hubs/{HUB}/groups/numbers/message", str(n).encode(), "text/plain")
            if n % 80 == 0:
                # Drop whenever the client is attached (it may still be recovering from the last drop).
                wait_for(lambda: any(c["connectionId"] == conn_id and c["attached"] for c in connections(HUB)), what="reattach")
                assert control("POST", f"/connections/{conn_id}/drop")["dropped"]
                drops += 1
            time.sleep(0.004)
        assert drops >= 5
        assert done.wait(60), f"only {len(received)} messages arrived"
        time.sleep(0.5)
        assert received == list(range(1, 501)), "every message exactly once and in order"
        info = [c for c in connections(HUB) if c["connectionId"] == conn_id]
        assert info and info[0]["attached"], "the same logical connection recovered every time"
        assert connected.empty(), "recovery did not raise a second connected event"
    finally:
        client.close()


def test_refused_recovery_falls_back_to_a_new_connection_and_rejoins():
    client = make_client("carol")
    connected = queue.Queue()
    got = queue.Queue()
    client.subscribe(CallbackType.CONNECTED, lambda e: connected.put(e.connection_id))
    client.subscribe(CallbackType.GROUP_MESSAGE, lambda e: got.put(e.data))
    client.open()
    try:
        first = connected.get(timeout=10)
        client.join_group("again")
        control("POST", "/refuse-recoveries?count=1")
        control("POST", f"/connections/{first}/drop")
        second = connected.get(timeout=20)
        assert second != first, "a new connection after the refused (1008) recovery"
        wait_for(lambda: any(c["connectionId"] == second and c["groups"] == ["again"] for c in connections(HUB)), what="auto-rejoin")
        control("POST", f"/hubs/{HUB}/groups/again/message", b"back", "text/plain")
        assert got.get(timeout=10) == "back"
    finally:
        client.close()
