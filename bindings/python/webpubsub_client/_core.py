"""One native client handle and everything the sync and aio clients share: creating it from
keyword options, listeners, state, start/stop and the operations, each either blocking (the
C call waits for the ack, with the GIL released) or asynchronous (a completion callback, fired
exactly once on the client's dispatcher thread)."""

import ctypes
import logging
import threading
import time
import weakref
from ctypes import POINTER, byref
from typing import Any, Callable, Optional, Tuple

from . import _credential, _errors, _events, _logs, _native, _payload, _registry
from ._models import WebPubSubClientState, WebPubSubResult
from ._options import ClientOptions

_LOGGER = logging.getLogger(__name__)

#: ``done(result, exception)``: exactly one of them is None (result is None for start/stop).
Done = Callable[[Optional[WebPubSubResult], Optional[BaseException]], None]

_U64_MAX = 2**64 - 1

#: How long ``stop()`` waits for the "stopped" event after the library stopped (it comes at
#: once unless a callback is slow; the bound only guards against a library shut down meanwhile).
STOPPED_EVENT_WAIT = 10.0


class _Completion:
    __slots__ = ("done", "starting")

    def __init__(self, done: Done, starting: bool = False) -> None:
        self.done = done
        self.starting = starting


def _result(op_result: _native.wps_op_result) -> WebPubSubResult:
    return WebPubSubResult(op_result.ack_id or None, bool(op_result.duplicated))


@_native.COMPLETION_FN
def _on_completion(user_data, result, op_result, error):
    # Fired exactly once per asynchronous call, on the dispatcher thread: take the entry out.
    completion = _registry.release(user_data)
    if completion is None:
        return
    try:
        with _events.in_callback():
            _complete(completion, result, op_result, error)
    except BaseException:  # noqa: B036 - an exception must never unwind into C
        _LOGGER.exception("failed to complete an operation")


def _complete(completion: _Completion, result, op_result, error) -> None:
    if result == _native.RESULT_OK:
        completion.done(_result(op_result.contents) if op_result else None, None)
    else:
        completion.done(None, _errors.to_exception(result, error, starting=completion.starting))


def _log_start_failure(result, error) -> None:
    if error is not None:
        _LOGGER.warning("start() called in a callback failed: %s", error)


class NativeClient:
    """Owns a ``wps_client``; freed (stopping it in the background) when garbage-collected or
    at interpreter exit.

    ``deliver(listeners, args)`` runs the callbacks of one event (see
    :class:`_events.ListenerSet`); ``loops`` is the aio client's loop holder, used to await
    async credential providers.
    """

    def __init__(self, credential: Any, kwargs: dict, deliver: Callable, loops=None) -> None:
        lib = _native.load()
        options = ClientOptions.from_kwargs(kwargs)
        source = _credential.as_credential(credential)
        _logs.ensure_forwarding(options.logging_enable)
        builder = POINTER(_native.wps_options)()
        if lib.wps_options_new(byref(builder)) != _native.RESULT_OK:
            raise MemoryError("wps_options_new failed")
        try:
            options.apply(lib, builder)
            _credential.apply(lib, builder, source, loops)
            handle = POINTER(_native.wps_client)()
            error = POINTER(_native.wps_error)()
            result = lib.wps_client_new(builder, byref(handle), byref(error))
            if result != _native.RESULT_OK:
                raise _errors.take(result, error)
        finally:
            lib.wps_options_free(builder)  # the client keeps its own copy
        self._lib = lib
        self._handle = handle
        # Frees the handle when this object is collected (or at exit); the library then ends
        # the client in the background and finalizes the listener below.
        self._finalizer = weakref.finalize(self, lib.wps_client_free, handle)
        self.listeners = _events.ListenerSet(deliver)
        key = _registry.keep(self.listeners)
        result = lib.wps_client_add_listener(
            handle, _native.EVENT_ALL, _events.ON_EVENT, key, _registry.FREE_ENTRY, None
        )
        if result != _native.RESULT_OK:
            _registry.release(key)  # nothing was taken
            raise _errors.to_exception(result, None)

    # --- listeners ------------------------------------------------------------------------
    def add_listener(self, event: Any, callback: Callable) -> None:
        if not callable(callback):
            raise TypeError(f"the listener must be callable, got {type(callback).__name__}")
        self.listeners.add(_events.callback_type(event), callback)

    def remove_listener(self, event: Any, callback: Callable) -> bool:
        return self.listeners.remove(_events.callback_type(event), callback)

    # --- state, start, stop ---------------------------------------------------------------
    def state(self) -> WebPubSubClientState:
        value = ctypes.c_uint32()
        self._lib.wps_client_state(self._handle, byref(value))
        return _events.state_of(value.value)

    def start(self) -> None:
        """Connects and waits for the outcome. Inside a callback, where waiting would block
        the very thread that delivers it, it only begins connecting (failures are logged):
        the seed page suggests calling ``client.start()`` in a "stopped" callback."""
        if _events.inside_callback():
            self.start_async(_log_start_failure)
            return
        error = POINTER(_native.wps_error)()
        result = self._lib.wps_client_start(self._handle, byref(error))
        if result != _native.RESULT_OK:
            raise _errors.take(result, error, starting=True)
        self._settle_connecting()

    def _settle_connecting(self) -> None:
        # Workaround: the library answers a successful start a moment before its state leaves
        # Connecting (the core replies to `start` before setting Connected), so a state read
        # right after start() could still say Connecting. Wait out that moment (bounded).
        deadline = time.monotonic() + 1.0
        while self.state() is WebPubSubClientState.CONNECTING and time.monotonic() < deadline:
            time.sleep(0.0005)

    def stop(self) -> None:
        """Stops, then (outside callbacks) waits until the "stopped" callbacks ran, so that
        a program ending right after ``stop()`` still sees them."""
        if _events.inside_callback():
            self._lib.wps_client_stop(self._handle)  # must not wait for this very thread
            return
        seen = self.listeners.stopped_count()
        was_stopped = self.state() is WebPubSubClientState.STOPPED
        self._lib.wps_client_stop(self._handle)
        if not was_stopped:
            delivered = threading.Event()
            self.listeners.after_stopped(seen, delivered.set)
            delivered.wait(STOPPED_EVENT_WAIT)

    def start_async(self, done: Done) -> None:
        def started(result, error):
            if error is None:
                self._settle_connecting()
            done(result, error)

        self._lifecycle_async("wps_client_start_async", _Completion(started, starting=True))

    def stop_async(self, done: Done) -> None:
        """Stops without blocking; ``done`` runs once stopped and the "stopped" callbacks
        were handed over (to the dispatcher's ``deliver``)."""
        seen = self.listeners.stopped_count()
        was_stopped = self.state() is WebPubSubClientState.STOPPED

        def stopped(result, error):
            if error is not None or was_stopped:
                done(result, error)
            else:
                self.listeners.after_stopped(seen, lambda: done(None, None))

        self._lifecycle_async("wps_client_stop_async", _Completion(stopped))

    def _lifecycle_async(self, function: str, completion: _Completion) -> None:
        key = _registry.keep(completion)
        result = getattr(self._lib, function)(self._handle, _on_completion, key)
        if result != _native.RESULT_OK:
            _registry.release(key)  # the callback will never fire
            raise _errors.to_exception(result, None, starting=completion.starting)

    # --- operations -----------------------------------------------------------------------
    def operation(self, name: str, args: Tuple, done: Optional[Done] = None) -> Optional[WebPubSubResult]:
        """Calls ``wps_client_<name>`` with ``args`` and waits, returning the result, or with
        ``done`` calls ``wps_client_<name>_async``. Failures detected before anything is sent
        are raised here in both cases."""
        error = POINTER(_native.wps_error)()
        if done is None:
            op_result = _native.wps_op_result()
            result = getattr(self._lib, f"wps_client_{name}")(self._handle, *args, byref(op_result), byref(error))
            if result != _native.RESULT_OK:
                raise _errors.take(result, error)
            return _result(op_result)
        key = _registry.keep(_Completion(done))
        result = getattr(self._lib, f"wps_client_{name}_async")(self._handle, *args, _on_completion, key, byref(error))
        if result != _native.RESULT_OK:
            _registry.release(key)
            raise _errors.take(result, error)
        return None


# --- operation arguments (shared by both clients) --------------------------------------------
def _name(value: Any, what: str) -> bytes:
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a str, got {type(value).__name__}")
    return value.encode("utf-8")


def _ack_id(ack_id: Optional[int]) -> int:
    if ack_id is None:
        return 0  # the client's next ack id
    if isinstance(ack_id, bool) or not isinstance(ack_id, int) or not 1 <= ack_id <= _U64_MAX:
        raise ValueError(f"ack_id must be a positive integer, got {ack_id!r}")
    return ack_id


def _timeout_ms(timeout: Optional[float]) -> int:
    if timeout is None:
        return 0  # the client's ack_timeout
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 < timeout <= 4_294_967:
        raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}")
    return max(1, int(round(timeout * 1000)))


def group_args(group_name: str, ack_id: Optional[int], timeout: Optional[float]) -> Tuple:
    """Arguments of ``join_group`` / ``leave_group``."""
    return _name(group_name, "group_name"), _ack_id(ack_id), _timeout_ms(timeout)


def _send_args(target: bytes, content, data_type, flags: int, ack: bool, ack_id, timeout) -> Tuple:
    if not ack:
        if ack_id is not None:
            raise ValueError("ack_id needs ack=True: a message sent without ack carries no ack id")
        flags |= _native.SEND_FIRE_AND_FORGET
    native_type, data = _payload.encode(content, data_type)
    return target, native_type, data, len(data), flags, _ack_id(ack_id), _timeout_ms(timeout)


def send_to_group_args(group_name, content, data_type, no_echo, ack, ack_id, timeout) -> Tuple:
    flags = _native.SEND_NO_ECHO if no_echo else 0
    return _send_args(_name(group_name, "group_name"), content, data_type, flags, ack, ack_id, timeout)


def send_event_args(event_name, content, data_type, ack, ack_id, timeout) -> Tuple:
    return _send_args(_name(event_name, "event_name"), content, data_type, 0, ack, ack_id, timeout)
