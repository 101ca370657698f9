"""Inputs at the edges: JSON nested deeper than Python can parse, http:// client access
URLs, operations issued right after a non-blocking start, group names of many characters."""

import asyncio
import json

from webpubsub_client import WebPubSubDataType
from webpubsub_client.aio import WebPubSubClient as AsyncClient
from webpubsub_client.emulator import Emulator

DEEP = 100_000
DEEP_JSON = "[" * DEEP + "]" * DEEP


def _assert_delivered_as_text(message):
    assert message.data_type is WebPubSubDataType.JSON
    assert message.data == DEEP_JSON
    assert isinstance(message.data_error, RecursionError)


def test_json_too_deep_for_python_is_delivered_as_text(make_client, recorder, emulator, hub):
    client = make_client()
    groups, servers = recorder(), recorder()
    client.on("group-message", groups)
    client.on("server-message", servers)
    client.start()
    client.join_group("deep")
    assert emulator.send_to_group(hub, "deep", DEEP_JSON.encode(), "application/json") == 1
    connection_id = emulator.connections(hub)[0]["connectionId"]
    assert emulator.send_to_connection(hub, connection_id, DEEP_JSON.encode(), "application/json") == 1
    assert emulator.send_to_group(hub, "deep", b'{"shallow": [1]}', "application/json") == 1
    received = groups.wait_for(2, timeout=10)
    assert len(received) == 2, "the deep message was dropped"
    _assert_delivered_as_text(received[0])
    assert received[0].group == "deep"
    assert received[1].data == {"shallow": [1]} and received[1].data_error is None
    _assert_delivered_as_text(servers.wait_for(1, timeout=10)[0])


def test_json_too_deep_for_python_reaches_aio_listeners(emulator, hub, url):
    async def main():
        seen = []
        client = AsyncClient(url)
        client.on("group-message", seen.append)
        async with client:
            await client.join_group("deep")
            emulator.send_to_group(hub, "deep", DEEP_JSON.encode(), "application/json")
            for _ in range(1000):
                if seen:
                    break
                await asyncio.sleep(0.01)
        assert len(seen) == 1, "the deep message was dropped"
        _assert_delivered_as_text(seen[0])

    asyncio.run(asyncio.wait_for(main(), 60))


def test_an_http_url_connects(make_client, url):
    assert url.startswith("ws://")
    client = make_client(url="http://" + url[len("ws://"):])
    client.start()
    assert client.join_group("g").ack_id > 0


def test_operations_right_after_begin_start_wait_for_the_connection(make_client):
    for _ in range(20):
        client = make_client()
        started = client.begin_start()
        assert client.state.value != "Stopped"
        assert client.join_group("g").ack_id > 0
        assert client.send_to_group("g", "x", "text").ack_id > 0
        started.result(timeout=10)
        client.stop()


def test_aio_operations_gathered_with_start_wait_for_it(url):
    async def main():
        for _ in range(20):
            client = AsyncClient(url)
            _, joined, sent = await asyncio.gather(
                client.start(), client.join_group("g"), client.send_to_group("g", {"n": 1}, "json")
            )
            assert joined.ack_id > 0 and sent.ack_id > 0
            await client.stop()

    asyncio.run(asyncio.wait_for(main(), 60))


def test_group_names_count_characters(make_client, recorder):
    client = make_client()
    got = recorder()
    client.on("group-message", got)
    client.start()
    name = "é" * 600
    client.join_group(name)
    client.send_to_group(name, json.loads('{"k": 1}'), "json")
    assert got.wait_for(1)[0].group == name
