"""Every data type, both directions: client -> group -> client, server -> client, and
client events -> application server (the emulator's event log and echo)."""

import base64
import json

import pytest

from webpubsub_client import WebPubSubDataType

from conftest import wait_until

PAYLOADS = [
    ("text", "hello world", "hello world"),
    ("text", "ünïcødé ✓ \u0000 end", "ünïcødé ✓ \u0000 end"),
    ("text", "", ""),
    ("json", {"a": [1, 2.5, None, True], "b": {"c": "ü"}}, {"a": [1, 2.5, None, True], "b": {"c": "ü"}}),
    ("json", [1, "two", 3], [1, "two", 3]),
    ("json", "just a string", "just a string"),
    ("json", 42, 42),
    ("binary", b"\x00\x01\xfe\xff raw", b"\x00\x01\xfe\xff raw"),
    ("binary", bytearray(b"from a bytearray"), b"from a bytearray"),
    ("binary", memoryview(b"xxfrom a memoryviewxx")[2:-2], b"from a memoryview"),
    ("binary", b"", b""),
    (WebPubSubDataType.TEXT, "enum text", "enum text"),
    (WebPubSubDataType.JSON, {"enum": "json"}, {"enum": "json"}),
    (WebPubSubDataType.BINARY, b"enum binary", b"enum binary"),
    ("TEXT", "upper-case name", "upper-case name"),
]


def test_group_round_trip_of_every_data_type(make_client, recorder):
    receiver, sender = make_client(), make_client(user_id="sender")
    got = recorder()
    receiver.on("group-message", got)
    receiver.start()
    sender.start()
    receiver.join_group("types")
    for data_type, content, _ in PAYLOADS:
        sender.send_to_group("types", content, data_type)
    messages = got.wait_for(len(PAYLOADS))
    assert [(m.data_type, m.data) for m in messages] == [
        (WebPubSubDataType(getattr(t, "value", t)), expected) for t, _, expected in PAYLOADS
    ]
    assert all(m.group == "types" and m.from_user_id == "sender" for m in messages)
    assert all(isinstance(m.data, bytes) for m in messages if m.data_type is WebPubSubDataType.BINARY)
    sequence_ids = [m.sequence_id for m in messages]
    assert all(isinstance(s, int) for s in sequence_ids) and sequence_ids == sorted(set(sequence_ids))


def test_official_sdk_enum_values_are_accepted(make_client, recorder):
    # The official SDK's WebPubSubDataType is a str enum; any object whose .value names a
    # type works, so code written for it runs unchanged.
    class OfficialLike:
        def __init__(self, value):
            self.value = value

    receiver = make_client()
    got = recorder()
    receiver.on("group-message", got)
    receiver.start()
    receiver.join_group("official")
    receiver.send_to_group("official", {"k": 1}, OfficialLike("json"))
    assert got.wait_for(1)[0].data == {"k": 1}


def test_server_messages_of_every_type(emulator, hub, make_client, recorder):
    client = make_client()
    got = recorder()
    client.on("server-message", got)
    client.start()
    [connection] = emulator.connections(hub)
    for body, content_type in [
        (b"plain text", "text/plain"),
        (json.dumps({"x": [1, 2]}).encode(), "application/json"),
        (b"\x00\xffbytes", "application/octet-stream"),
    ]:
        assert emulator.send_to_connection(hub, connection["connectionId"], body, content_type) == 1
    messages = got.wait_for(3)
    assert [(m.data_type, m.data) for m in messages] == [
        (WebPubSubDataType.TEXT, "plain text"),
        (WebPubSubDataType.JSON, {"x": [1, 2]}),
        (WebPubSubDataType.BINARY, b"\x00\xffbytes"),
    ]


@pytest.mark.parametrize("data_type,content", [(t, c) for t, c, _ in PAYLOADS[:12]])
def test_send_event_reaches_the_application_server(emulator, hub, make_client, recorder, data_type, content):
    client = make_client()
    client.start()
    result = client.send_event("my-event", content, data_type)
    assert result.ack_id is not None and not result.is_duplicated
    events = wait_until(lambda: [e for e in emulator.events(hub) if e["event"] == "my-event"])
    assert len(events) == 1
    event = events[0]
    assert event["dataType"] == data_type
    if data_type == "binary":
        assert base64.b64decode(event["data"]) == bytes(content)
    else:
        assert event["data"] == content


def test_send_event_echo_comes_back_as_server_message(emulator, make_client, recorder):
    emulator.set_echo(True)
    try:
        client = make_client()
        got = recorder()
        client.on("server-message", got)
        client.start()
        client.send_event("echo", {"n": 1}, "json")
        client.send_event("echo", b"\x01\x02", "binary", ack=False)
        messages = got.wait_for(2)
        assert [(m.data_type, m.data) for m in messages] == [(WebPubSubDataType.JSON, {"n": 1}), (WebPubSubDataType.BINARY, b"\x01\x02")]
    finally:
        emulator.set_echo(False)


@pytest.mark.parametrize(
    "content,data_type,error",
    [
        (b"bytes", "text", TypeError),
        ("str", "binary", TypeError),
        (12, "binary", TypeError),
        (float("nan"), "json", ValueError),
        (None, "json", ValueError),
        ({1, 2}, "json", TypeError),
        ("x", "xml", ValueError),
    ],
)
def test_invalid_content_is_refused_before_sending(make_client, content, data_type, error):
    client = make_client()
    with pytest.raises(error):
        client.send_to_group("g", content, data_type)
