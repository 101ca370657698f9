"""Callbacks: lifetime under forced garbage collection, removal with off, calls into the
client from inside callbacks, failures inside callbacks, and argument arity."""

import gc
import logging
import threading
import weakref

import pytest

from webpubsub_client import CallbackType, InvalidStateError, WebPubSubClient

from conftest import wait_until


class Counter:
    """A callable whose lifetime a weak reference can watch."""

    def __init__(self):
        self.count = 0

    def __call__(self, event):
        self.count += 1


def test_callbacks_survive_forced_garbage_collection(make_client, recorder):
    client, sender = make_client(), make_client(user_id="sender")
    got = recorder()

    def register():
        # Nothing but the client references these lambdas and this callable after return.
        client.on("group-message", lambda e: got(int(e.data)))
        client.on("group-message", Counter())
        counter = Counter()
        client.on("group-message", counter)
        return weakref.ref(counter)

    counter_ref = register()
    stop = threading.Event()

    def collect():
        while not stop.is_set():
            gc.collect()

    collector = threading.Thread(target=collect)
    collector.start()
    try:
        client.start()
        sender.start()
        client.join_group("gc")
        for n in range(300):
            sender.send_to_group("gc", str(n), "text", ack=n % 10 == 0)
            if n % 50 == 0:
                gc.collect()
        assert got.wait_for(300) == list(range(300))
    finally:
        stop.set()
        collector.join()
    assert counter_ref() is not None and counter_ref().count == 300


def test_listener_objects_are_released_after_off_and_after_the_client(make_client, url):
    client = make_client()
    counter = Counter()
    counter_ref = weakref.ref(counter)
    client.on("group-message", counter)
    client.start()
    client.join_group("g")
    client.send_to_group("g", "1", "text")
    assert wait_until(lambda: counter.count == 1)
    client.off("group-message", counter)
    del counter
    # The library calls the finalizer after the listener's last invocation.
    assert wait_until(lambda: gc.collect() is not None and counter_ref() is None)

    # Dropping the client releases its listeners once the library is done with them: the
    # library holds the client's listener set until its finalizer runs.
    scratch = WebPubSubClient(url)
    other = Counter()
    other_ref = weakref.ref(other)
    scratch.on("connected", other)
    scratch.on("stopped", lambda: None)
    listener_set = weakref.ref(scratch._core.listeners)
    del other, scratch
    gc.collect()
    assert wait_until(lambda: gc.collect() is not None and listener_set() is None)
    assert other_ref() is None


def test_off_stops_delivery_and_removes_one_registration(make_client, recorder):
    client = make_client()
    got = recorder()

    def listener(e):
        got(e.data)

    client.on("group-message", listener)
    client.on("group-message", listener)  # registered twice: called twice
    client.start()
    client.join_group("g")
    client.send_to_group("g", "both", "text")
    assert got.wait_for(2) == ["both", "both"]
    client.off("group-message", listener)
    client.send_to_group("g", "one", "text")
    assert got.wait_for(3) == ["both", "both", "one"]
    client.unsubscribe(CallbackType.GROUP_MESSAGE, listener)
    client.off("group-message", listener)  # not registered any more: ignored
    client.send_to_group("g", "none", "text")
    marker = []
    client.on("group-message", lambda e: marker.append(e.data))
    client.send_to_group("g", "marker", "text")
    assert wait_until(lambda: "marker" in marker)  # "none" was delivered before it
    assert got.items == ["both", "both", "one"]


def test_callbacks_can_call_the_client(make_client, recorder):
    client = make_client()
    seen, errors, stopped = recorder(), recorder(), recorder()

    def stop_when_done(item):
        # Runs on the dispatcher: once both the echo and the ack of "pong" arrived, stop
        # from inside the callback.
        seen(item)
        if "pong" in seen.items and ("acked", True) in seen.items:
            client.stop()

    def on_message(e):
        if e.data == "ping":
            seen(e.data)
            # A blocking call would wait for this very thread: refused, not a deadlock.
            try:
                client.join_group("other")
            except InvalidStateError as exc:
                errors(exc)
            # The begin_* forms work; their futures complete on this thread later.
            future = client.begin_send_to_group("g", "pong", "text")
            future.add_done_callback(lambda f: stop_when_done(("acked", f.result().ack_id > 0)))
            client.on("group-message", lambda e2: seen(("late listener", e2.data)))
        else:
            stop_when_done(e.data)

    client.on("group-message", on_message)
    client.on("stopped", lambda: stopped(True))
    client.start()
    client.join_group("g")
    client.send_to_group("g", "ping", "text")
    assert stopped.wait_for(1) == [True]
    assert len(errors.items) == 1
    assert seen.items[0] == "ping"
    assert set(seen.items[1:]) == {"pong", ("acked", True), ("late listener", "pong")}
    # The client can be started again from the outside after a stop from inside.
    client.start()
    assert client.is_connected()


def test_start_and_stop_from_callbacks(make_client, recorder):
    client = make_client()
    connected, stopped = recorder(), recorder()

    def restart(_=None):
        # "If you want to restart the client, you can call client.start() in the stopped
        # event" (the seed page): inside a callback start() begins connecting, without
        # waiting for this thread.
        stopped(True)
        if len(stopped) == 1:
            client.start()
        elif len(stopped) == 2:
            client.begin_start().add_done_callback(lambda f: connected(("restarted", f.exception())))

    client.on("connected", lambda e: connected(e.connection_id))
    client.on("stopped", restart)
    client.start()
    client.begin_stop()
    assert len(connected.wait_for(2)) == 2
    assert wait_until(client.is_connected)
    client.stop()
    items = connected.wait_for(4)
    assert ("restarted", None) in items
    assert len([i for i in items if isinstance(i, str)]) == 3
    assert wait_until(client.is_connected)


def test_exceptions_in_callbacks_are_logged_and_delivery_continues(make_client, recorder, caplog):
    client = make_client()
    got = recorder()

    def broken(e):
        raise RuntimeError(f"boom {e.data}")

    client.on("group-message", broken)
    client.on("group-message", lambda e: got(e.data))
    with caplog.at_level(logging.ERROR, logger="webpubsub_client"):
        client.start()
        client.join_group("g")
        client.send_to_group("g", "1", "text")
        client.send_to_group("g", "2", "text")
        assert got.wait_for(2) == ["1", "2"]
    boom = [r for r in caplog.records if r.exc_info and "boom" in str(r.exc_info[1])]
    assert len(boom) == 2
    assert client.is_connected()


def test_callback_arity_and_names(make_client, recorder):
    client = make_client()
    got = recorder()
    client.on("stopped", lambda: got("no argument"))
    client.on("stopped", lambda e: got(type(e).__name__))
    client.on("connected", lambda *args: got(len(args)))
    client.subscribe(CallbackType.CONNECTED, lambda e, extra=None: got(e.user_id))
    client.on("state-changed", print)  # a builtin without a signature gets the argument
    with pytest.raises(ValueError):
        client.on("no-such-event", print)
    with pytest.raises(TypeError):
        client.on("connected", "not callable")
    client.start()
    client.stop()
    assert sorted(map(str, got.wait_for(4))) == sorted(["no argument", "OnStoppedArgs", "1", "user1"])
