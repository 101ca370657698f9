"""Keyword options reach the library: protocol, reconnect policy, dispatcher, headers, TLS
material; invalid values are refused when the client is built."""

import pytest

from webpubsub_client import RetryMode, WebPubSubClient, WebPubSubProtocolType


def test_json_protocol_has_no_sequence_ids_and_no_recovery(emulator, hub, make_client, recorder):
    client = make_client(protocol_type=WebPubSubProtocolType.JSON)
    got, connected, recovering = recorder(), recorder(), recorder()
    client.on("group-message", got)
    client.on("connected", lambda e: connected(e.connection_id))
    client.on("recovering", recovering)
    client.start()
    client.join_group("plain")
    client.send_to_group("plain", "x", "text")
    assert got.wait_for(1)[0].sequence_id is None
    emulator.drop(connected.wait_for(1)[0])
    second = connected.wait_for(2)[1]  # a new connection, not a recovery
    assert second != connected.items[0] and not recovering.items
    assert [c["subprotocol"] for c in emulator.connections(hub)] == ["json.webpubsub.azure.v1"]


def test_no_reconnect_when_reconnect_retry_total_is_zero(emulator, hub, make_client, recorder):
    client = make_client(reconnect_retry_total=0)
    connected, stopped = recorder(), recorder()
    client.on("connected", lambda e: connected(e.connection_id))
    client.on("stopped", lambda: stopped(True))
    client.start()
    emulator.close(connected.wait_for(1)[0], 1008)
    assert stopped.wait_for(1) == [True]
    assert len(connected.items) == 1 and not client.is_connected()


@pytest.mark.parametrize("dispatcher", ["shared", "dedicated"])
def test_dispatchers_and_other_options_work(make_client, recorder, dispatcher):
    client = make_client(
        dispatcher=dispatcher,
        headers={"X-Test": "1"},
        user_agent="my-app/1.0",
        keep_alive_interval=5,
        keep_alive_timeout=30,
        recovery_window=10,
        recovery_interval=0.5,
        sequence_ack_interval=0.5,
        sequence_ack_threshold=10,
        event_queue_capacity=100,
        operation_queue_capacity=100,
        message_retry_mode=RetryMode.Fixed,
        reconnect_retry_mode="FIXED",
        retry_jitter=False,
        logging_enable=False,
    )
    got = recorder()
    client.on("group-message", lambda e: got(e.data))
    client.start()
    client.join_group("opts")
    for n in range(20):
        client.send_to_group("opts", n, "json")
    assert got.wait_for(20) == list(range(20))


@pytest.mark.parametrize(
    "options",
    [
        {"protocol_type": "protobuf"},
        {"message_retry_mode": "sometimes"},
        {"dispatcher": "elsewhere"},
        {"ack_timeout": -1},
        {"ack_timeout": 0},
        {"start_timeout": "soon"},
        {"message_retry_total": -1},
        {"reconnect_retry_backoff_factor": 10, "reconnect_retry_backoff_max": 1},
        {"extra_ca_pem": "not a certificate"},
        {"headers": {"bad header": "x"}},
        {"user_agent": "line\nbreak"},
        {"event_queue_capacity": 0},
    ],
)
def test_invalid_options_are_refused(url, options):
    with pytest.raises(ValueError):
        WebPubSubClient(url, **options)
