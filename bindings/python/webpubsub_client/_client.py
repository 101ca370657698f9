"""The synchronous client: the official ``azure-messaging-webpubsubclient`` API and the seed
page's, on the native library."""

import concurrent.futures
import inspect
import logging
from typing import Any, Callable, Optional, Union

from . import _core
from ._credential import WebPubSubClientCredential
from ._models import CallbackType, WebPubSubClientState, WebPubSubDataType, WebPubSubResult

_LOGGER = logging.getLogger(__name__)


def _run_now(listeners, args) -> None:
    """Sync clients run callbacks right on the library's dispatcher thread, in event order."""
    for listener in listeners:
        result = listener.call(args)
        if inspect.isawaitable(result):
            if inspect.iscoroutine(result):
                result.close()
            _LOGGER.warning(
                "the %r callback %r is a coroutine function; use webpubsub_client.aio.WebPubSubClient for those",
                listener.event.value,
                listener.callback,
            )


def _future_done(future: concurrent.futures.Future):
    def done(result, error):
        if error is None:
            future.set_result(result)
        else:
            future.set_exception(error)

    return done


class WebPubSubClient:
    """A Web PubSub client (reliable JSON subprotocol by default).

    ``credential`` is a client access URL, a :class:`WebPubSubClientCredential`, or a callable
    returning a fresh URL (called on every start and reconnect). Keyword options are those of
    the official SDK (``auto_rejoin_groups``, ``protocol_type``, ``reconnect_retry_*``,
    ``message_retry_*``, ``ack_timeout``, ``start_timeout``, ``user_agent``,
    ``logging_enable``, ``auto_reconnect``) plus this library's (see the README).

    Callbacks run on the library's dispatcher thread of this client, one at a time, in event
    order. Inside a callback, use ``begin_*`` operations, ``start()`` or ``stop()`` (which
    then do not wait): blocking operations raise :class:`InvalidStateError` there, since they
    would wait for that very thread.

    ``with client:`` starts the client and returns it; leaving the block stops it.
    """

    def __init__(self, credential: Union[str, WebPubSubClientCredential, Callable[[], str]], **kwargs: Any) -> None:
        self._core = _core.NativeClient(credential, kwargs, _run_now)

    # --- lifecycle ------------------------------------------------------------------------
    def start(self) -> None:
        """Connects; returns once the service confirmed the connection. Raises
        :class:`OpenClientError` when this attempt fails, :class:`InvalidStateError` when
        already started. After a stop the client may be started again. Inside a callback
        (say, "stopped") it only begins connecting and logs a failure, since waiting there
        would block the thread that delivers the outcome."""
        self._core.start()

    def stop(self) -> None:
        """Stops in any state (also while recovering or reconnecting); idempotent. Pending
        operations fail with :class:`ClientStoppedError`. Returns once the "stopped"
        callbacks ran; inside a callback (allowed) it returns without waiting for them."""
        self._core.stop()

    def open(self) -> None:
        """Same as :meth:`start` (the official SDK's name)."""
        self.start()

    def close(self) -> None:
        """Same as :meth:`stop` (the official SDK's name)."""
        self.stop()

    def begin_start(self) -> "concurrent.futures.Future[None]":
        """Starts without blocking (usable inside callbacks)."""
        future = concurrent.futures.Future()
        self._core.start_async(_future_done(future))
        return future

    def begin_stop(self) -> "concurrent.futures.Future[None]":
        """Stops without blocking; the future completes once the client is stopped and the
        "stopped" callbacks ran."""
        future = concurrent.futures.Future()
        self._core.stop_async(_future_done(future))
        return future

    def __enter__(self) -> "WebPubSubClient":
        self.start()
        return self  # the official sync client returns None here

    def __exit__(self, exc_type, exc_value, traceback) -> None:
        self.stop()

    @property
    def state(self) -> WebPubSubClientState:
        return self._core.state()

    def is_connected(self) -> bool:
        return self._core.state() is WebPubSubClientState.CONNECTED

    # --- events ---------------------------------------------------------------------------
    def on(self, event: Union[CallbackType, str], listener: Callable) -> None:
        """Calls ``listener(args)`` for each ``event`` ("connected", "disconnected",
        "stopped", "server-message", "group-message", "rejoin-group-failed", "state-changed",
        "recovering", "recovered", "slow-consumer"). A listener taking no argument is called
        without one. The client keeps ``listener`` alive until it is removed."""
        self._core.add_listener(event, listener)

    def off(self, event: Union[CallbackType, str], listener: Callable) -> None:
        """Removes a listener added with :meth:`on` (its earliest registration); no error if
        it is not registered, like the official SDK."""
        if not self._core.remove_listener(event, listener):
            _LOGGER.info("off(%r): the listener is not registered", event)

    def subscribe(self, event: Union[CallbackType, str], listener: Callable) -> None:
        """Same as :meth:`on` (the official GA SDK's name)."""
        self.on(event, listener)

    def unsubscribe(self, event: Union[CallbackType, str], listener: Callable) -> None:
        """Same as :meth:`off`."""
        self.off(event, listener)

    # --- operations -----------------------------------------------------------------------
    def join_group(self, group_name: str, ack_id: Optional[int] = None, *, timeout: Optional[float] = None) -> WebPubSubResult:
        """Joins a group and waits for the service's ack. Raises :class:`SendMessageError`
        (with the ``ack_id`` to retry with) on failure. ``timeout`` (seconds) overrides
        ``ack_timeout`` for this call."""
        return self._core.operation("join_group", _core.group_args(group_name, ack_id, timeout))

    def leave_group(self, group_name: str, ack_id: Optional[int] = None, *, timeout: Optional[float] = None) -> WebPubSubResult:
        """Leaves a group and waits for the service's ack."""
        return self._core.operation("leave_group", _core.group_args(group_name, ack_id, timeout))

    def send_to_group(
        self,
        group_name: str,
        content: Any,
        data_type: Union[WebPubSubDataType, str],
        no_echo: bool = False,
        ack: bool = True,
        ack_id: Optional[int] = None,
        *,
        timeout: Optional[float] = None,
    ) -> WebPubSubResult:
        """Publishes ``content`` to a group: a ``str`` for "text", any JSON value for "json",
        bytes-like for "binary" and "protobuf". Waits for the ack, or with ``ack=False`` only
        until the message is queued (no delivery guarantee)."""
        args = _core.send_to_group_args(group_name, content, data_type, no_echo, ack, ack_id, timeout)
        return self._core.operation("send_to_group", args)

    def send_event(
        self,
        event_name: str,
        content: Any,
        data_type: Union[WebPubSubDataType, str],
        ack: bool = True,
        ack_id: Optional[int] = None,
        *,
        timeout: Optional[float] = None,
    ) -> WebPubSubResult:
        """Sends an event to the application server's event handler; as :meth:`send_to_group`."""
        args = _core.send_event_args(event_name, content, data_type, ack, ack_id, timeout)
        return self._core.operation("send_event", args)

    # Non-blocking forms: they return a concurrent.futures.Future completed on the dispatcher
    # thread, and work inside callbacks.
    def begin_join_group(self, group_name: str, ack_id: Optional[int] = None, *, timeout: Optional[float] = None):
        return self._begin("join_group", _core.group_args(group_name, ack_id, timeout))

    def begin_leave_group(self, group_name: str, ack_id: Optional[int] = None, *, timeout: Optional[float] = None):
        return self._begin("leave_group", _core.group_args(group_name, ack_id, timeout))

    def begin_send_to_group(self, group_name, content, data_type, no_echo=False, ack=True, ack_id=None, *, timeout=None):
        args = _core.send_to_group_args(group_name, content, data_type, no_echo, ack, ack_id, timeout)
        return self._begin("send_to_group", args)

    def begin_send_event(self, event_name, content, data_type, ack=True, ack_id=None, *, timeout=None):
        args = _core.send_event_args(event_name, content, data_type, ack, ack_id, timeout)
        return self._begin("send_event", args)

    def _begin(self, name: str, args) -> "concurrent.futures.Future[WebPubSubResult]":
        future = concurrent.futures.Future()
        self._core.operation(name, args, _future_done(future))
        return future
