"""Client keyword options and their translation into a ``wps_options`` builder.

The keyword names and defaults are the official Python SDK's, with one deliberate change:
``reconnect_retry_total`` defaults to None (unlimited) instead of 3, because the official
default gives up reconnecting after about six seconds of outage. The options after
``logging_enable`` are this library's additions; None leaves the C library's default.
"""

import platform
from dataclasses import dataclass, fields
from typing import Iterable, Mapping, Optional, Tuple, Union

from . import _native
from ._models import RetryMode, WebPubSubProtocolType
from ._version import __version__

_U32_MAX = 2**32 - 1


@dataclass
class ClientOptions:
    protocol_type: Union[WebPubSubProtocolType, str] = WebPubSubProtocolType.JSON_RELIABLE
    auto_reconnect: bool = True
    auto_rejoin_groups: bool = True
    #: Reconnect attempts after a connection is lost for good; None: unlimited; 0: none
    #: (like ``auto_reconnect=False``).
    reconnect_retry_total: Optional[int] = None
    reconnect_retry_backoff_factor: float = 0.8
    reconnect_retry_backoff_max: float = 120.0
    reconnect_retry_mode: Union[RetryMode, str] = RetryMode.Exponential
    #: Retries of an operation that failed transiently; always with the same ack id.
    message_retry_total: int = 3
    message_retry_backoff_factor: float = 0.8
    message_retry_backoff_max: float = 120.0
    message_retry_mode: Union[RetryMode, str] = RetryMode.Exponential
    #: Seconds an operation may take, retries and recoveries included.
    ack_timeout: float = 30.0
    #: Seconds ``start()`` may take to connect.
    start_timeout: float = 30.0
    user_agent: Optional[str] = None
    #: Forward the library's debug logs to the ``webpubsub_client`` logger.
    logging_enable: bool = False
    # --- this library's additions -------------------------------------------------------
    #: Randomize retry delays within 50-100 % (avoids reconnect storms).
    retry_jitter: bool = True
    #: Seconds between application-level pings (default 20; 0 disables).
    keep_alive_interval: Optional[float] = None
    #: Seconds of silence after which the connection counts as dropped (default 120; 0 off).
    keep_alive_timeout: Optional[float] = None
    #: Seconds to try recovering a dropped reliable connection (default 30; 0 disables).
    recovery_window: Optional[float] = None
    #: Seconds between recovery attempts (default 1).
    recovery_interval: Optional[float] = None
    #: Seconds between cumulative sequence acks (default 1).
    sequence_ack_interval: Optional[float] = None
    #: Unacknowledged messages that trigger an immediate sequence ack (default 300).
    sequence_ack_threshold: Optional[int] = None
    #: Events waiting for callbacks before the client stops reading (default 4096).
    event_queue_capacity: Optional[int] = None
    #: Operations waiting for a connection before callers wait (default 1024).
    operation_queue_capacity: Optional[int] = None
    #: "dedicated" (a callback thread per client, default) or "shared" (a process-wide pool).
    dispatcher: Optional[str] = None
    #: Extra CA certificates (PEM) trusted for wss:// besides the system's.
    extra_ca_pem: Optional[Union[str, bytes]] = None
    #: Extra HTTP headers of the WebSocket upgrade request.
    headers: Optional[Union[Mapping[str, str], Iterable[Tuple[str, str]]]] = None

    @classmethod
    def from_kwargs(cls, kwargs) -> "ClientOptions":
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(kwargs) - known)
        if unknown:
            raise TypeError(f"unknown WebPubSubClient option(s): {', '.join(unknown)}")
        return cls(**kwargs)

    def apply(self, lib, options) -> None:
        """Sets everything on a ``wps_options``; ``ValueError`` for invalid values."""

        def check(result: int, name: str) -> None:
            if result != _native.RESULT_OK:
                raise ValueError(f"invalid {name}: {lib.wps_result_str(result).decode()}")

        protocol = _enum(WebPubSubProtocolType, self.protocol_type, "protocol_type")
        check(lib.wps_options_set_protocol(options, _PROTOCOLS[protocol]), "protocol_type")
        check(lib.wps_options_set_auto_rejoin_groups(options, bool(self.auto_rejoin_groups)), "auto_rejoin_groups")
        reconnect_total = -1 if self.reconnect_retry_total is None else _count(self.reconnect_retry_total, "reconnect_retry_total")
        auto_reconnect = bool(self.auto_reconnect) and reconnect_total != 0
        check(lib.wps_options_set_auto_reconnect(options, auto_reconnect), "auto_reconnect")
        check(
            lib.wps_options_set_reconnect_retry(
                options,
                reconnect_total,
                _ms(self.reconnect_retry_backoff_factor, "reconnect_retry_backoff_factor"),
                _ms(self.reconnect_retry_backoff_max, "reconnect_retry_backoff_max"),
                _MODES[_enum(RetryMode, self.reconnect_retry_mode, "reconnect_retry_mode")],
                bool(self.retry_jitter),
            ),
            "reconnect retry policy",
        )
        check(
            lib.wps_options_set_message_retry(
                options,
                _count(self.message_retry_total, "message_retry_total"),
                _ms(self.message_retry_backoff_factor, "message_retry_backoff_factor"),
                _ms(self.message_retry_backoff_max, "message_retry_backoff_max"),
                _MODES[_enum(RetryMode, self.message_retry_mode, "message_retry_mode")],
                bool(self.retry_jitter),
            ),
            "message retry policy",
        )
        check(lib.wps_options_set_operation_timeout_ms(options, _ms(self.ack_timeout, "ack_timeout")), "ack_timeout")
        check(lib.wps_options_set_connect_timeout_ms(options, _ms(self.start_timeout, "start_timeout")), "start_timeout")
        check(lib.wps_options_set_user_agent(options, self._user_agent(lib).encode("utf-8")), "user_agent")

        for name, setter in _OPTIONAL_MS.items():
            value = getattr(self, name)
            if value is not None:
                check(getattr(lib, setter)(options, _ms(value, name)), name)
        for name, setter in _OPTIONAL_COUNTS.items():
            value = getattr(self, name)
            if value is not None:
                check(getattr(lib, setter)(options, _count(value, name)), name)
        if self.dispatcher is not None:
            mode = _DISPATCHERS.get(str(self.dispatcher).lower())
            if mode is None:
                raise ValueError(f"dispatcher must be 'dedicated' or 'shared', got {self.dispatcher!r}")
            check(lib.wps_options_set_dispatcher(options, mode), "dispatcher")
        if self.extra_ca_pem is not None:
            pem = self.extra_ca_pem.encode("ascii") if isinstance(self.extra_ca_pem, str) else bytes(self.extra_ca_pem)
            check(lib.wps_options_set_extra_ca_pem(options, pem, len(pem)), "extra_ca_pem")
        if self.headers is not None:
            pairs = self.headers.items() if isinstance(self.headers, Mapping) else self.headers
            for name, value in pairs:
                check(lib.wps_options_add_header(options, name.encode("utf-8"), value.encode("utf-8")), f"header {name!r}")

    def _user_agent(self, lib) -> str:
        # Like the official SDK, a given user_agent goes in front of the default one.
        default = f"webpubsub-client-python/{__version__} webpubsub-client/{lib.version} Python/{platform.python_version()}"
        return f"{self.user_agent} {default}" if self.user_agent else default


_PROTOCOLS = {
    WebPubSubProtocolType.JSON_RELIABLE: _native.PROTOCOL_JSON_RELIABLE,
    WebPubSubProtocolType.JSON: _native.PROTOCOL_JSON,
}
_MODES = {RetryMode.Exponential: _native.RETRY_MODE_EXPONENTIAL, RetryMode.Fixed: _native.RETRY_MODE_FIXED}
_DISPATCHERS = {"dedicated": _native.DISPATCHER_DEDICATED, "shared": _native.DISPATCHER_SHARED}
_OPTIONAL_MS = {
    "keep_alive_interval": "wps_options_set_keep_alive_interval_ms",
    "keep_alive_timeout": "wps_options_set_keep_alive_timeout_ms",
    "recovery_window": "wps_options_set_recovery_window_ms",
    "recovery_interval": "wps_options_set_recovery_interval_ms",
    "sequence_ack_interval": "wps_options_set_sequence_ack_interval_ms",
}
_OPTIONAL_COUNTS = {
    "sequence_ack_threshold": "wps_options_set_sequence_ack_threshold",
    "event_queue_capacity": "wps_options_set_event_queue_capacity",
    "operation_queue_capacity": "wps_options_set_operation_queue_capacity",
}


def _enum(cls, value, name: str):
    try:
        return cls(getattr(value, "value", value))
    except ValueError:
        raise ValueError(f"invalid {name}: {value!r}") from None


def _ms(seconds: float, name: str) -> int:
    """Seconds (float) to whole milliseconds for a ``uint32_t`` parameter."""
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not 0 <= seconds * 1000 <= _U32_MAX:
        raise ValueError(f"{name} must be a number of seconds between 0 and {_U32_MAX // 1000}, got {seconds!r}")
    return int(round(seconds * 1000))


def _count(value: int, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= _U32_MAX:
        raise ValueError(f"{name} must be an integer between 0 and {_U32_MAX}, got {value!r}")
    return value
