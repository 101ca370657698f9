"""The official Python server SDK (azure-messaging-webpubsubservice) driving the emulator's REST
API, with the effects observed by connected official clients."""

import queue

import pytest
from azure.core.exceptions import HttpResponseError
from azure.messaging.webpubsubclient import WebPubSubClient
from azure.messaging.webpubsubclient.models import CallbackType
from azure.messaging.webpubsubservice import WebPubSubServiceClient

from conftest import CONNECTION_STRING, connections, wait_for

HUB = "pyservice"


@pytest.fixture
def service():
    return WebPubSubServiceClient.from_connection_string(CONNECTION_STRING, hub=HUB)


class Peer:
    """An official client connected with a token from the server SDK, recording what it gets."""

    def __init__(self, service, user, **token_args):
        token = service.get_client_access_token(user_id=user, **token_args)
        self.url = token["url"]
        self.client = WebPubSubClient(self.url, reconnect_retry_total=0, ack_timeout=3.0)
        self.messages = queue.Queue()
        self.disconnected = queue.Queue()
        ids = queue.Queue()
        self.client.subscribe(CallbackType.CONNECTED, lambda e: ids.put(e.connection_id))
        self.client.subscribe(CallbackType.SERVER_MESSAGE, lambda e: self.messages.put(("server", e.data_type, e.data)))
        self.client.subscribe(CallbackType.GROUP_MESSAGE, lambda e: self.messages.put((e.group, e.data_type, e.data)))
        self.client.subscribe(CallbackType.DISCONNECTED, lambda e: self.disconnected.put(e.message))
        self.client.open()
        self.id = ids.get(timeout=10)

    def next(self):
        return self.messages.get(timeout=10)

    def nothing(self):
        try:
            got = self.messages.get(timeout=0.3)
        except queue.Empty:
            return True
        raise AssertionError(f"unexpected message {got}")

    def close(self):
        self.client.close()


def test_token_is_accepted_with_roles_and_groups(service):
    token = service.get_client_access_token(user_id="tok", roles=["webpubsub.joinLeaveGroup.x"], groups=["g0"], minutes_to_expire=5)
    assert token["url"].startswith("ws://") and token["baseUrl"].endswith("/client/hubs/" + HUB)
    peer = Peer(service, "tok", roles=["webpubsub.joinLeaveGroup.x"], groups=["g0"])
    try:
        info = [c for c in connections(HUB) if c["connectionId"] == peer.id][0]
        assert (info["userId"], info["groups"]) == ("tok", ["g0"])
        peer.client.join_group("x")
    finally:
        peer.close()


def test_sends_to_all_group_user_connection(service):
    a = Peer(service, "alice", groups=["g"])
    b = Peer(service, "bob")
    try:
        service.send_to_all({"hello": "all"}, content_type="application/json")
        assert a.next() == ("server", "json", {"hello": "all"})
        assert b.next() == ("server", "json", {"hello": "all"})
        service.send_to_all("text for all but alice", content_type="text/plain", excluded=[a.id])
        assert b.next() == ("server", "text", "text for all but alice")
        a.nothing()
        service.send_to_group("g", "group text", content_type="text/plain")
        assert a.next() == ("g", "text", "group text")
        b.nothing()
        service.send_to_user("bob", b"\x00\x01", content_type="application/octet-stream")
        kind, dt, data = b.next()
        assert (kind, dt, bytes(data)) == ("server", "binary", b"\x00\x01")
        service.send_to_connection(a.id, {"only": "a"}, content_type="application/json")
        assert a.next() == ("server", "json", {"only": "a"})
        with pytest.raises(HttpResponseError) as e:
            service.send_to_all("x", content_type="text/plain", filter="userId eq 'bob'")
        assert e.value.status_code == 501
    finally:
        a.close()
        b.close()


def test_group_membership_and_exists_checks(service):
    a = Peer(service, "carol")
    try:
        assert service.connection_exists(a.id)
        assert not service.connection_exists("no-such-connection")
        assert service.user_exists("carol")
        assert not service.user_exists("nobody")
        assert not service.group_exists("team")
        service.add_connection_to_group("team", a.id)
        assert service.group_exists("team")
        service.send_to_group("team", "welcome", content_type="text/plain")
        assert a.next() == ("team", "text", "welcome")
        service.remove_connection_from_group("team", a.id)
        assert not service.group_exists("team")
        service.send_to_group("team", "gone", content_type="text/plain")
        a.nothing()
        service.add_user_to_group("team2", "carol")
        service.send_to_group("team2", "user joined", content_type="text/plain")
        assert a.next() == ("team2", "text", "user joined")
        service.remove_user_from_group("team2", "carol")
        assert not service.group_exists("team2")
        service.add_user_to_group("u1", "carol")
        service.add_connection_to_group("c1", a.id)
        service.remove_connection_from_all_groups(a.id)
        assert [c for c in connections(HUB) if c["connectionId"] == a.id][0]["groups"] == []
        service.add_user_to_group("u2", "carol")
        service.remove_user_from_all_groups("carol")
        assert not service.group_exists("u2")
    finally:
        a.close()


def test_permissions(service):
    a = Peer(service, "dave")
    try:
        assert not service.has_permission("joinLeaveGroup", a.id, target_name="vip")
        service.grant_permission("joinLeaveGroup", a.id, target_name="vip")
        assert service.has_permission("joinLeaveGroup", a.id, target_name="vip")
        a.client.join_group("vip")
        service.revoke_permission("joinLeaveGroup", a.id, target_name="vip")
        assert not service.has_permission("joinLeaveGroup", a.id, target_name="vip")
    finally:
        a.close()


def test_close_operations_reach_the_clients(service):
    a = Peer(service, "erin", groups=["closers"])
    b = Peer(service, "frank")
    c = Peer(service, "grace")
    try:
        service.close_connection(a.id, reason="bye erin")
        assert a.disconnected.get(timeout=10) == "bye erin"
        wait_for(lambda: not service.connection_exists(a.id), what="connection closed")
        service.close_user_connections("frank", reason="bye frank")
        assert b.disconnected.get(timeout=10) == "bye frank"
        service.close_all_connections(reason="bye all")
        assert c.disconnected.get(timeout=10) == "bye all"
        wait_for(lambda: not service.user_exists("grace"), what="all closed")
    finally:
        for p in (a, b, c):
            p.close()
