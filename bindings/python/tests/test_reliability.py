"""Reliability through the binding: abrupt drops during a numbered stream lose nothing,
duplicate nothing and keep the order; a connection closed for good is replaced and its
groups rejoined (or rejoin-group-failed reported)."""

import threading

from webpubsub_client import WebPubSubClientCredential, WebPubSubClientState

from conftest import wait_until

STREAM = 600
DROPS = 4


def test_abrupt_drops_during_a_stream_lose_nothing(emulator, hub, make_client, recorder):
    receiver = make_client(user_id="receiver")
    sender = make_client(user_id="sender")
    got, recovering, recovered, disconnected = recorder(), recorder(), recorder(), recorder()
    receiver.on("group-message", lambda e: got(int(e.data)))
    receiver.on("recovering", recovering)
    receiver.on("recovered", recovered)
    receiver.on("disconnected", disconnected)
    receiver.start()
    sender.start()
    receiver.join_group("stream")
    [receiver_connection] = [c["connectionId"] for c in emulator.connections(hub) if c["userId"] == "receiver"]

    failures = []

    def publish():
        try:
            for n in range(STREAM):
                sender.send_to_group("stream", str(n), "text")
        except Exception as exc:  # surfaced by the assertion below
            failures.append(exc)

    publisher = threading.Thread(target=publish)
    publisher.start()
    for drop in range(DROPS):
        # Drop once the stream is flowing again after the previous recovery.
        wait_until(lambda: len(got) >= (drop + 1) * STREAM // (DROPS + 2))
        emulator.drop(receiver_connection)
        recovered.wait_for(drop + 1)
    publisher.join(60)

    assert not failures
    received = got.wait_for(STREAM, timeout=30)
    assert received == list(range(STREAM))  # all, once each, in order
    assert len(recovering) == len(recovered) == DROPS
    assert all(r.connection_id == receiver_connection for r in recovering.items + recovered.items)
    assert all(r.close_code is None for r in recovering.items)  # abrupt: no close frame
    assert all(0 <= r.elapsed < 30 for r in recovered.items)  # within the recovery window
    assert not disconnected.items  # recovered every time: never a new connection
    assert receiver.state is WebPubSubClientState.CONNECTED


def test_closed_connection_is_replaced_and_groups_rejoined(emulator, hub, make_client, recorder):
    client = make_client()
    connected, disconnected, got = recorder(), recorder(), recorder()
    client.on("connected", connected)
    client.on("disconnected", disconnected)
    client.on("group-message", lambda e: got(e.data))
    client.start()
    client.join_group("kept")
    first = connected.wait_for(1)[0].connection_id
    emulator.close(first, 1008, "policy")  # 1008: the service ends the logical connection
    second = connected.wait_for(2)[1].connection_id
    assert second != first
    assert disconnected.items[0].connection_id == first
    assert disconnected.items[0].close_code == 1008
    assert wait_until(lambda: "kept" in emulator.connections(hub)[0]["groups"])
    client.send_to_group("kept", "after rejoin", "text")
    assert got.wait_for(1) == ["after rejoin"]


def test_rejoin_failure_is_reported(emulator, hub, make_client, recorder):
    # The credential hands out a token with group roles first, then one without: rejoining
    # on the new connection is forbidden.
    urls = [
        emulator.client_access_url(hub, user_id="user1", roles=("webpubsub.joinLeaveGroup",)),
        emulator.client_access_url(hub, user_id="user1"),
    ]
    calls = []

    def fresh_url():
        calls.append(1)
        return urls[min(len(calls), 2) - 1]

    client = make_client(url=WebPubSubClientCredential(fresh_url))
    connected, failed = recorder(), recorder()
    client.on("connected", connected)
    client.on("rejoin-group-failed", failed)
    client.start()
    client.join_group("lost")
    emulator.close(connected.wait_for(1)[0].connection_id, 1008)
    failure = failed.wait_for(1)[0]
    assert failure.group == "lost"
    assert failure.error.error_detail.name == "Forbidden"
    assert len(calls) == 2  # the credential was asked again for the new connection
