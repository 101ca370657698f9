"""Events: names and masks, the ``wps_event`` -> argument-object translation, and the one
C trampoline through which every listener of every client is called.

Each client registers one C listener for every event kind, whose ``user_data`` is the registry
key of the client's :class:`ListenerSet`; the library's ``free_user_data`` finalizer releases
it after its last invocation.
"""

import ctypes
import inspect
import logging
import threading
from typing import Any, Callable

from . import _errors, _native, _payload, _registry
from ._models import (
    CallbackType,
    OnConnectedArgs,
    OnDisconnectedArgs,
    OnGroupDataMessageArgs,
    OnRecoveredArgs,
    OnRecoveringArgs,
    OnRejoinGroupFailedArgs,
    OnServerDataMessageArgs,
    OnSlowConsumerArgs,
    OnStateChangedArgs,
    OnStoppedArgs,
    WebPubSubClientState,
)

_LOGGER = logging.getLogger(__name__)

MASKS = {
    CallbackType.CONNECTED: _native.EVENT_CONNECTED,
    CallbackType.DISCONNECTED: _native.EVENT_DISCONNECTED,
    CallbackType.STOPPED: _native.EVENT_STOPPED,
    CallbackType.SERVER_MESSAGE: _native.EVENT_SERVER_MESSAGE,
    CallbackType.GROUP_MESSAGE: _native.EVENT_GROUP_MESSAGE,
    CallbackType.REJOIN_GROUP_FAILED: _native.EVENT_REJOIN_GROUP_FAILED,
    CallbackType.STATE_CHANGED: _native.EVENT_STATE_CHANGED,
    CallbackType.RECOVERING: _native.EVENT_RECOVERING,
    CallbackType.RECOVERED: _native.EVENT_RECOVERED,
    CallbackType.SLOW_CONSUMER: _native.EVENT_SLOW_CONSUMER,
}

STATES = {
    _native.STATE_STOPPED: WebPubSubClientState.STOPPED,
    _native.STATE_CONNECTING: WebPubSubClientState.CONNECTING,
    _native.STATE_CONNECTED: WebPubSubClientState.CONNECTED,
    _native.STATE_RECOVERING: WebPubSubClientState.RECOVERING,
    _native.STATE_RECONNECTING: WebPubSubClientState.RECONNECTING,
    _native.STATE_STOPPING: WebPubSubClientState.STOPPING,
}


def callback_type(event: Any) -> CallbackType:
    """``"group-message"``, ``CallbackType.GROUP_MESSAGE`` or the official SDK's enum."""
    try:
        return CallbackType(getattr(event, "value", event))
    except ValueError:
        names = ", ".join(member.value for member in CallbackType)
        raise ValueError(f"unknown event {event!r}; known events: {names}") from None


def accepts_argument(callback: Callable) -> bool:
    """Whether ``callback`` takes a positional argument: ``lambda: ...`` (the seed's "stopped"
    callback) is called without one. Callables without a signature get the argument."""
    try:
        parameters = inspect.signature(callback).parameters.values()
    except (TypeError, ValueError):
        return True
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.VAR_POSITIONAL)
    return any(p.kind in positional for p in parameters)


def state_of(value: int) -> WebPubSubClientState:
    return STATES.get(value, WebPubSubClientState.STOPPED)


def _optional(flag: bool, value: int):
    return value if flag else None


def to_args(event: _native.wps_event):
    """The argument object for one borrowed ``wps_event`` (everything is copied)."""
    kind = event.kind
    if kind in (_native.EVENT_GROUP_MESSAGE, _native.EVENT_SERVER_MESSAGE):
        raw = ctypes.string_at(event.data, event.data_len) if event.data else b""
        data_type, data, data_error = _payload.decode(event.data_type, raw)
        sequence_id = _optional(event.has_sequence_id, event.sequence_id)
        if kind == _native.EVENT_SERVER_MESSAGE:
            return OnServerDataMessageArgs(data_type, data, sequence_id, data_error)
        return OnGroupDataMessageArgs(
            data_type, data, event.group.text(), event.from_user_id.text(), sequence_id, data_error
        )
    if kind == _native.EVENT_CONNECTED:
        return OnConnectedArgs(event.connection_id.text(), event.user_id.text())
    if kind == _native.EVENT_DISCONNECTED:
        return OnDisconnectedArgs(
            event.connection_id.text(), event.message.text(), _optional(event.has_close_code, event.close_code)
        )
    if kind == _native.EVENT_STOPPED:
        return OnStoppedArgs()
    if kind == _native.EVENT_REJOIN_GROUP_FAILED:
        code = _native.load().wps_error_code(event.error)
        return OnRejoinGroupFailedArgs(event.group.text(), _errors.to_exception(code, event.error))
    if kind == _native.EVENT_STATE_CHANGED:
        return OnStateChangedArgs(state_of(event.previous_state), state_of(event.current_state))
    if kind == _native.EVENT_RECOVERING:
        return OnRecoveringArgs(event.connection_id.text(), _optional(event.has_close_code, event.close_code))
    if kind == _native.EVENT_RECOVERED:
        return OnRecoveredArgs(event.connection_id.text(), event.elapsed_ms / 1000.0)
    return OnSlowConsumerArgs(event.queued)  # EVENT_SLOW_CONSUMER; unknown kinds never get here


class Listener:
    """One ``client.on(event, callback)`` registration."""

    __slots__ = ("event", "callback", "takes_arg", "active")

    def __init__(self, event: CallbackType, callback: Callable) -> None:
        self.event = event
        self.callback = callback
        self.takes_arg = accepts_argument(callback)
        self.active = True  # cleared by off(): no invocation starts afterwards

    def call(self, args) -> Any:
        """Runs the user's callback unless removed; logs (never raises) what it raises;
        returns its result."""
        if not self.active:
            return None
        try:
            return self.callback(args) if self.takes_arg else self.callback()
        except Exception:
            _LOGGER.exception("the %r callback %r raised", self.event.value, self.callback)
            return None


class ListenerSet:
    """A client's callbacks: the Python side of the client's one native listener.

    The library holds a registry key of this object (released by its ``free_user_data``
    finalizer once the client is gone); the callbacks are held here, so they live as long as
    they are registered, whatever the user does with their own references. Each event is
    decoded once and handed with the listeners registered at that moment to ``deliver``,
    which runs them on the dispatcher thread (sync client) or on an event loop (aio client).
    Nothing here refers to the client object, so registered callbacks do not keep it alive.

    It also counts delivered "stopped" events, so that ``stop()`` can return only once the
    stopped callbacks ran (the library may deliver a stop's completion before the event).
    """

    def __init__(self, deliver: Callable) -> None:
        self._deliver = deliver
        self._lock = threading.Lock()
        self._listeners = {}  # CallbackType -> tuple of Listener, replaced on change
        self._stopped = 0
        self._stop_waiters = []

    def add(self, event: CallbackType, callback: Callable) -> None:
        with self._lock:
            self._listeners[event] = self._listeners.get(event, ()) + (Listener(event, callback),)

    def remove(self, event: CallbackType, callback: Callable) -> bool:
        """Removes the earliest registration of ``callback``; False if there is none."""
        with self._lock:
            listeners = self._listeners.get(event, ())
            for index, listener in enumerate(listeners):
                if listener.callback == callback:
                    listener.active = False
                    self._listeners[event] = listeners[:index] + listeners[index + 1 :]
                    return True
        return False

    def stopped_count(self) -> int:
        with self._lock:
            return self._stopped

    def after_stopped(self, seen: int, notify: Callable[[], None]) -> None:
        """Calls ``notify()`` (on the dispatcher thread, or here) once more than ``seen``
        "stopped" events have been delivered and their callbacks handed over."""
        with self._lock:
            if self._stopped <= seen:
                self._stop_waiters.append(notify)
                return
        notify()

    def wants(self, event: CallbackType) -> bool:
        """Whether an event of this kind needs decoding (someone listens, or it is counted)."""
        return event is CallbackType.STOPPED or bool(self._listeners.get(event))

    def dispatch(self, event: CallbackType, args) -> None:
        listeners = self._listeners.get(event, ())
        if listeners:
            self._deliver(listeners, args)
        if event is CallbackType.STOPPED:
            with self._lock:
                self._stopped += 1
                waiters, self._stop_waiters = self._stop_waiters, []
            for notify in waiters:
                notify()


_KINDS = {mask: kind for kind, mask in MASKS.items()}
_callback_thread = threading.local()


def inside_callback() -> bool:
    """Whether the current thread is running one of the library's callbacks (it is then a
    dispatcher thread, which blocking calls must not wait for)."""
    return getattr(_callback_thread, "depth", 0) > 0


class in_callback:
    """Marks the current thread as running a library callback (see :func:`inside_callback`)."""

    def __enter__(self):
        _callback_thread.depth = getattr(_callback_thread, "depth", 0) + 1

    def __exit__(self, *exc_info):
        _callback_thread.depth -= 1


@_native.EVENT_FN
def _on_event(user_data, event):
    # Runs on the client's dispatcher thread; ctypes holds the GIL for us. Nothing may escape.
    try:
        with in_callback():
            listeners = _registry.get(user_data)
            kind = _KINDS.get(event.contents.kind)
            if listeners is not None and kind is not None and listeners.wants(kind):
                listeners.dispatch(kind, to_args(event.contents))
    except BaseException:  # noqa: B036 - an exception must never unwind into C
        _LOGGER.exception("failed to deliver an event")


#: The ``wps_event_fn`` of every client's listener.
ON_EVENT = _on_event
