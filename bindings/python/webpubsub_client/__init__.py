"""A native, reliable Azure Web PubSub client for Python.

The API is the official ``azure-messaging-webpubsubclient``'s (and its README's), running on
the Rust library ``libwebpubsub_client`` through its C ABI::

    from webpubsub_client import WebPubSubClient

    client = WebPubSubClient("<client-access-url>")
    with client:
        client.on("group-message", lambda e: print(e.data))
        client.join_group("group1")
        client.send_to_group("group1", "hello world", "text")

``webpubsub_client.aio`` has the asyncio flavour.
"""

from . import _errors, _logs, _native
from ._client import WebPubSubClient
from ._credential import WebPubSubClientCredential
from ._errors import (
    AckMessageError,
    ClientStoppedError,
    ConnectionLostError,
    InvalidStateError,
    MessageTooLargeError,
    OpenClientError,
    SendMessageError,
    SendMessageTimeoutError,
    WebPubSubClientError,
)
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
    RetryMode,
    WebPubSubClientState,
    WebPubSubDataType,
    WebPubSubProtocolType,
    WebPubSubResult,
)
from ._native import LibraryError
from ._version import __version__


def library_version() -> str:
    """The version of the loaded C library (loading it if needed)."""
    return _native.load().version


def library_path() -> str:
    """Where the loaded C library was found (loading it if needed)."""
    return _native.load().path


def configure_runtime(worker_threads: int = 0, shared_dispatcher_threads: int = 0) -> None:
    """Sizes the library's runtime (0: one thread per CPU) before the first client exists;
    raises :class:`InvalidStateError` afterwards."""
    lib = _native.load()
    result = lib.wps_runtime_configure(worker_threads, shared_dispatcher_threads)
    if result != _native.RESULT_OK:
        raise _errors.to_exception(result, None)


def shutdown(timeout: float = 5.0) -> bool:
    """Stops every client and the library's threads (done automatically at exit). Clients
    stay usable objects but report stopped; new clients start a new runtime. Returns False if
    this did not finish within ``timeout`` seconds."""
    lib = _native.load()
    result = lib.wps_shutdown(max(0, int(timeout * 1000)))
    _logs.forget_forwarding()
    if result not in (_native.RESULT_OK, _native.RESULT_TIMEOUT):
        raise _errors.to_exception(result, None)
    return result == _native.RESULT_OK


__all__ = [
    "AckMessageError",
    "CallbackType",
    "ClientStoppedError",
    "ConnectionLostError",
    "InvalidStateError",
    "LibraryError",
    "MessageTooLargeError",
    "OnConnectedArgs",
    "OnDisconnectedArgs",
    "OnGroupDataMessageArgs",
    "OnRecoveredArgs",
    "OnRecoveringArgs",
    "OnRejoinGroupFailedArgs",
    "OnServerDataMessageArgs",
    "OnSlowConsumerArgs",
    "OnStateChangedArgs",
    "OnStoppedArgs",
    "OpenClientError",
    "RetryMode",
    "SendMessageError",
    "SendMessageTimeoutError",
    "WebPubSubClient",
    "WebPubSubClientCredential",
    "WebPubSubClientError",
    "WebPubSubClientState",
    "WebPubSubDataType",
    "WebPubSubProtocolType",
    "WebPubSubResult",
    "__version__",
    "configure_runtime",
    "library_path",
    "library_version",
    "shutdown",
]
