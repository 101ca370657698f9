"""The asyncio flavour end to end: async with, awaitable operations on completion callbacks,
sync and coroutine listeners on the loop, async credentials, errors, calls from listeners."""

import asyncio
import threading

import pytest

from webpubsub_client import ClientStoppedError, SendMessageError, WebPubSubDataType, WebPubSubResult
from webpubsub_client.aio import WebPubSubClient, WebPubSubClientCredential
from webpubsub_client.emulator import Emulator


def run(coroutine):
    return asyncio.run(asyncio.wait_for(coroutine, 60))


async def wait_for(predicate, timeout=15.0):
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            return False
        await asyncio.sleep(0.01)
    return True


def test_async_with_round_trip(url):
    async def main():
        loop_thread = threading.get_ident()
        seen, threads = [], set()
        client = WebPubSubClient(url)

        def on_message(e):
            threads.add(threading.get_ident())
            seen.append(("sync", e.data))

        async def on_message_async(e):
            await asyncio.sleep(0)
            seen.append(("async", e.data))

        client.on("group-message", on_message)
        client.on("group-message", on_message_async)
        connected = asyncio.Event()
        client.on("connected", lambda e: connected.set())  # loop-only API: runs on the loop
        async with client as entered:
            assert entered is client
            assert client.is_connected()
            await asyncio.wait_for(connected.wait(), 10)
            assert (await client.join_group("g")).ack_id > 0
            results = await asyncio.gather(*(client.send_to_group("g", {"n": n}, "json") for n in range(20)))
            assert len({r.ack_id for r in results}) == 20
            await client.send_to_group("g", b"\x00\x01", WebPubSubDataType.BINARY)
            assert await wait_for(lambda: len(seen) == 42)
        assert client.state.value == "Stopped"
        assert threads == {loop_thread}
        sync_data = [d for kind, d in seen if kind == "sync"]
        assert sync_data == [{"n": n} for n in range(20)] + [b"\x00\x01"]
        assert sorted(map(str, (d for kind, d in seen if kind == "async"))) == sorted(map(str, sync_data))

    run(main())


def test_errors_and_duplicates(emulator, hub):
    async def main():
        url = emulator.client_access_url(hub, user_id="nobody")
        async with WebPubSubClient(url) as client:
            with pytest.raises(SendMessageError) as raised:
                await client.join_group("secret", ack_id=9)
            assert raised.value.ack_id == 9 and raised.value.error_detail.name == "Forbidden"
            assert await client.send_event("e", "x", "text", ack_id=5) == WebPubSubResult(5, False)
            assert await client.send_event("e", "x", "text", ack_id=5) == WebPubSubResult(5, True)
        with pytest.raises(ClientStoppedError):
            await client.join_group("g")

    run(main())


def test_async_credential_and_listener_calling_the_client(emulator, hub):
    async def main():
        calls = []

        async def fresh_url():
            calls.append(asyncio.get_running_loop())
            await asyncio.sleep(0)
            return emulator.client_access_url(hub, user_id="async", roles=Emulator.GROUP_ROLES)

        client = WebPubSubClient(WebPubSubClientCredential(fresh_url))
        replies = []
        done = asyncio.Event()

        async def on_message(e):
            replies.append(e.data)
            if e.data == "ping":
                await client.send_to_group("g", "pong", "text")  # an operation inside a listener
            else:
                await client.stop()  # and stop
                done.set()

        client.on("group-message", on_message)
        stopped = asyncio.Event()
        client.on("stopped", stopped.set)
        await client.start()
        assert calls == [asyncio.get_running_loop()]  # awaited on the client's loop
        await client.join_group("g")
        await client.send_to_group("g", "ping", "text")
        await asyncio.wait_for(done.wait(), 10)
        await asyncio.wait_for(stopped.wait(), 10)
        assert replies == ["ping", "pong"]

    run(main())


def test_plain_callable_credential_and_open_close(url):
    async def main():
        client = WebPubSubClient(lambda: url)
        await client.open()
        assert client.is_connected()
        await client.close()
        await client.close()  # idempotent
        assert not client.is_connected()

    run(main())
