"""Operations: results with ack ids and duplicates, SendMessageError and its subclasses, and
the seed page's retry pattern."""

import pytest

from webpubsub_client import (
    ClientStoppedError,
    InvalidStateError,
    OpenClientError,
    SendMessageError,
    SendMessageTimeoutError,
    WebPubSubClient,
    WebPubSubResult,
)

from conftest import wait_until


def test_operations_return_ack_ids(make_client):
    client = make_client()
    client.start()
    results = [
        client.join_group("g"),
        client.send_to_group("g", "a", "text"),
        client.send_event("e", "b", "text"),
        client.leave_group("g"),
    ]
    ack_ids = [r.ack_id for r in results]
    assert all(isinstance(a, int) and a > 0 for a in ack_ids)
    assert len(set(ack_ids)) == 4
    assert not any(r.is_duplicated for r in results)
    assert client.send_to_group("g", "fire and forget", "text", ack=False) == WebPubSubResult(None, False)


def test_same_ack_id_twice_is_reported_duplicated_and_published_once(emulator, hub, make_client, recorder):
    client, observer = make_client(), make_client(user_id="observer")
    got = recorder()
    observer.on("group-message", got)
    observer.start()
    observer.join_group("dup")
    client.start()
    first = client.send_to_group("dup", "once", "text", ack_id=1000)
    second = client.send_to_group("dup", "once", "text", ack_id=1000)
    assert first == WebPubSubResult(1000, False)
    assert second == WebPubSubResult(1000, True)
    client.send_to_group("dup", "marker", "text")
    assert [m.data for m in got.wait_for(2)] == ["once", "marker"]

    assert client.join_group("other", ack_id=2000) == WebPubSubResult(2000, False)
    assert client.join_group("other", ack_id=2000).is_duplicated


def test_forbidden_join_raises_send_message_error_with_ack_id(make_client):
    client = make_client(roles=())  # a token without roles may not join groups
    client.start()
    with pytest.raises(SendMessageError) as raised:
        client.join_group("secret")
    error = raised.value
    assert type(error) is SendMessageError
    assert isinstance(error.ack_id, int) and error.ack_id > 0
    assert error.error_detail.name == "Forbidden"
    assert error.error_detail.message
    # With a caller's ack id, the error carries that one.
    with pytest.raises(SendMessageError) as raised:
        client.join_group("secret", ack_id=77)
    assert raised.value.ack_id == 77
    assert raised.value.error_detail.name == "Forbidden"
    # Sending to a group also needs a role.
    with pytest.raises(SendMessageError) as raised:
        client.send_to_group("secret", "x", "text")
    assert raised.value.error_detail.name == "Forbidden"


def test_seed_retry_pattern_with_the_same_ack_id(emulator, hub, make_client, recorder):
    # The service fails the next acks without executing; with no automatic retries left the
    # join fails, and the seed's pattern retries it with the same ack id.
    client = make_client(message_retry_total=0)
    got = recorder()
    client.on("group-message", got)
    client.start()
    group_name = "retried"
    emulator.request("POST", "fail-acks", {"count": 1})
    try:
        client.join_group(group_name)
        pytest.fail("the join should have failed")
    except SendMessageError as e:
        assert e.error_detail.name == "InternalServerError"
        failed_ack_id = e.ack_id
        result = client.join_group(group_name, ack_id=e.ack_id)
    assert result.ack_id == failed_ack_id
    assert group_name in emulator.connections(hub)[0]["groups"]
    client.send_to_group(group_name, "joined", "text")
    assert got.wait_for(1)[0].data == "joined"


def test_transient_failures_are_retried_automatically_with_the_same_ack_id(emulator, hub, make_client):
    client = make_client(message_retry_backoff_factor=0.05, message_retry_backoff_max=0.1)
    client.start()
    emulator.request("POST", "fail-acks", {"count": 2})
    result = client.join_group("eventually", ack_id=4242)
    assert result == WebPubSubResult(4242, False)
    assert "eventually" in emulator.connections(hub)[0]["groups"]


def test_timeout_raises_a_timeout_error_with_the_ack_id(emulator, hub, make_client):
    client = make_client(keep_alive_timeout=0)
    client.start()
    [connection] = emulator.connections(hub)
    emulator.request("POST", f"connections/{connection['connectionId']}/blackhole")
    with pytest.raises(SendMessageTimeoutError) as raised:
        client.join_group("never", ack_id=55, timeout=0.5)
    assert raised.value.ack_id == 55
    assert raised.value.error_detail.name == "Timeout"
    assert isinstance(raised.value, SendMessageError)


def test_operations_on_a_stopped_client_raise_client_stopped(make_client):
    client = make_client()
    with pytest.raises(ClientStoppedError) as raised:
        client.join_group("g")
    assert raised.value.error_detail.name == "Stopped"


def test_start_failures(emulator, hub, make_client):
    bad_token = emulator.client_access_url(hub).split("access_token=")[0] + "access_token=garbage"
    client = make_client(url=bad_token)
    with pytest.raises(OpenClientError) as raised:
        client.start()
    assert raised.value.http_status == 401
    good = make_client()
    good.start()
    with pytest.raises(InvalidStateError):
        good.start()
    with pytest.raises(ValueError):
        WebPubSubClient("not a url")
    with pytest.raises(TypeError):
        WebPubSubClient(42)
    with pytest.raises(TypeError):
        WebPubSubClient(emulator.client_access_url(hub), no_such_option=True)


def test_invalid_arguments(make_client):
    client = make_client()
    client.start()
    with pytest.raises(ValueError):
        client.join_group("")
    with pytest.raises(TypeError):
        client.join_group(b"bytes")
    for bad in (0, -1, 2**64, "1", True):
        with pytest.raises(ValueError):
            client.join_group("g", ack_id=bad)
    with pytest.raises(ValueError):
        client.send_to_group("g", "x", "text", ack=False, ack_id=3)


def test_restart_after_stop_and_state(make_client, recorder):
    client = make_client()
    states = recorder()
    client.on("state-changed", lambda e: states(e.current_state.value))
    assert client.state.value == "Stopped" and not client.is_connected()
    with client as same:
        assert same is client
        assert client.is_connected()
    assert client.state.value == "Stopped"
    client.open()
    assert client.is_connected()
    client.close()
    client.stop()  # idempotent
    wait_until(lambda: len(states) >= 8)
    assert states.items == ["Connecting", "Connected", "Stopping", "Stopped"] * 2
