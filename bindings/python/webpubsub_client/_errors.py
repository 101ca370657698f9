"""Exceptions, and the translation of a C ``wps_error`` into them.

Every failure of an operation (join, leave, send) is a :class:`SendMessageError` carrying the
operation's ``ack_id``, so the seed page's pattern works for all of them::

    except SendMessageError as e:
        client.join_group(group_name, ack_id=e.ack_id)   # idempotent: the service deduplicates

Subclasses tell the causes apart; ``error_detail.name`` names them too:

=============================  =======================  =====================================
exception                      ``error_detail.name``    meaning
=============================  =======================  =====================================
``SendMessageError``           the service's, e.g.      the service refused the operation
                               ``Forbidden``
``SendMessageTimeoutError``    ``Timeout``              no ack within ``ack_timeout``
``ConnectionLostError``        ``ConnectionLost``       the connection was replaced before the
                                                        ack: outcome unknown, retry with the
                                                        same ack id
``ClientStoppedError``         ``Stopped``              the client is (or was) stopped
``MessageTooLargeError``       ``MessageTooLarge``      over the 1 MB limit; nothing was sent
=============================  =======================  =====================================

Starting fails with :class:`OpenClientError`; calls that do not fit the state (starting a
started client, a blocking call inside a callback) raise :class:`InvalidStateError`; invalid
arguments raise ``ValueError``/``TypeError``.
"""

import ctypes
from typing import Optional

from . import _native


class WebPubSubClientError(Exception):
    """Base of this library's errors. ``code`` is the C library's result name (e.g.
    ``"TIMEOUT"``), for logs and diagnostics."""

    def __init__(self, message: str, *, code: str = "INTERNAL") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class AckMessageError:
    """What went wrong with an operation: ``name`` (e.g. ``"Forbidden"``) and ``message``."""

    __slots__ = ("name", "message")

    def __init__(self, *, name: str, message: str) -> None:
        self.name = name
        self.message = message

    def __repr__(self) -> str:
        return f"AckMessageError(name={self.name!r}, message={self.message!r})"


class SendMessageError(WebPubSubClientError):
    """An operation failed. ``ack_id`` is the ack id it used: passing it to a new call of the
    same operation is safe (the service deduplicates). ``error_detail`` says why."""

    def __init__(
        self,
        message: str,
        ack_id: Optional[int] = None,
        error_detail: Optional[AckMessageError] = None,
        *,
        code: str = "SERVICE_ERROR",
    ) -> None:
        super().__init__(message, code=code)
        self.name = "SendMessageError"
        self.ack_id = ack_id
        self.error_detail = error_detail


class SendMessageTimeoutError(SendMessageError):
    """No ack arrived within the operation's timeout (``ack_timeout``)."""


class ConnectionLostError(SendMessageError):
    """The connection was replaced by a new one before the ack arrived; whether the service
    executed the operation is unknown. Retrying with the same ``ack_id`` is safe."""


class ClientStoppedError(SendMessageError):
    """The client is stopped, or was stopped while the operation was pending."""


class MessageTooLargeError(SendMessageError):
    """The message exceeds the service's limit (1 MB); nothing was sent."""


class OpenClientError(WebPubSubClientError):
    """The client could not connect. ``http_status`` is the HTTP status of a refused
    WebSocket upgrade (e.g. 401), else None."""

    def __init__(self, message: str, *, code: str, http_status: Optional[int] = None) -> None:
        super().__init__(message, code=code)
        self.http_status = http_status


class InvalidStateError(WebPubSubClientError):
    """The call does not fit the client's state: start on a started client, or a blocking
    call on the library's callback thread (use the ``begin_*`` forms or the aio client)."""


_RESULT_NAMES = {value: name[len("RESULT_"):] for name, value in vars(_native).items() if name.startswith("RESULT_")}

_OPERATION_ERRORS = {
    _native.RESULT_TIMEOUT: (SendMessageTimeoutError, "Timeout"),
    _native.RESULT_CONNECTION_LOST: (ConnectionLostError, "ConnectionLost"),
    _native.RESULT_STOPPED: (ClientStoppedError, "Stopped"),
    _native.RESULT_MESSAGE_TOO_LARGE: (MessageTooLargeError, "MessageTooLarge"),
}


def result_name(result: int) -> str:
    return _RESULT_NAMES.get(result, f"UNKNOWN_{result}")


def to_exception(result: int, error, *, starting: bool = False) -> Exception:
    """The exception for a failed call: ``error`` is a borrowed ``wps_error *`` (possibly
    NULL); ``starting`` selects :class:`OpenClientError` for connection failures."""
    lib = _native.load()
    if error:
        message = (lib.wps_error_message(error) or b"").decode("utf-8", "replace")
        ack = ctypes.c_uint64()
        ack_id = ack.value if lib.wps_error_ack_id(error, ctypes.byref(ack)) else None
        raw_name = lib.wps_error_name(error)
        service_name = raw_name.decode("utf-8", "replace") if raw_name else None
        http_status = lib.wps_error_http_status(error) or None
    else:
        message = lib.wps_result_str(result).decode("utf-8", "replace")
        ack_id, service_name, http_status = None, None, None
    code = result_name(result)

    if result == _native.RESULT_ILLEGAL_STATE:
        return InvalidStateError(message, code=code)
    if result in (_native.RESULT_INVALID_ARGUMENT, _native.RESULT_INVALID_UTF8, _native.RESULT_NULL_ARGUMENT):
        return ValueError(message)
    if starting and result in (
        _native.RESULT_CONNECT_FAILED,
        _native.RESULT_INVALID_URL,
        _native.RESULT_CREDENTIAL_FAILED,
        _native.RESULT_STOPPED,
        _native.RESULT_TIMEOUT,
    ):
        return OpenClientError(message, code=code, http_status=http_status)
    if result == _native.RESULT_SERVICE_ERROR:
        detail = AckMessageError(name=service_name or "", message=message)
        return SendMessageError(message, ack_id, detail, code=code)
    if result in _OPERATION_ERRORS:
        cls, name = _OPERATION_ERRORS[result]
        return cls(message, ack_id, AckMessageError(name=name, message=message), code=code)
    return WebPubSubClientError(message, code=code)


def take(result: int, error_out, *, starting: bool = False) -> Exception:
    """Like :func:`to_exception` for an error written to an ``error_out`` parameter, which
    this frees."""
    try:
        return to_exception(result, error_out, starting=starting)
    finally:
        _native.load().wps_error_free(error_out)
