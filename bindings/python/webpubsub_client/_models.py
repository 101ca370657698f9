"""Public value types: enums with the official SDK's names and values, the result of an
operation, and the argument objects passed to event callbacks (attribute names as in the
official SDK and the seed page)."""

from dataclasses import dataclass
from enum import Enum
from typing import Any, Optional


class _CaseInsensitiveEnum(str, Enum):
    """A ``str`` enum whose members equal their value (``WebPubSubDataType.TEXT == "text"``)
    and can be looked up by value or name in any case, like the official SDK's enums."""

    @classmethod
    def _missing_(cls, value):
        if isinstance(value, str):
            wanted = value.lower()
            for member in cls:
                if member.value.lower() == wanted or member.name.lower() == wanted:
                    return member
        return None

    def __str__(self) -> str:
        return self.value


class WebPubSubDataType(_CaseInsensitiveEnum):
    """The type of a message payload."""

    BINARY = "binary"
    JSON = "json"
    TEXT = "text"
    PROTOBUF = "protobuf"


class WebPubSubProtocolType(_CaseInsensitiveEnum):
    """The subprotocol. The reliable one (default) recovers dropped connections without loss."""

    JSON = "json.webpubsub.azure.v1"
    JSON_RELIABLE = "json.reliable.webpubsub.azure.v1"


class CallbackType(_CaseInsensitiveEnum):
    """Event names for :meth:`WebPubSubClient.on` / ``subscribe``. The first six are the
    official SDK's; the others are this library's additions."""

    CONNECTED = "connected"
    DISCONNECTED = "disconnected"
    STOPPED = "stopped"
    SERVER_MESSAGE = "server-message"
    GROUP_MESSAGE = "group-message"
    REJOIN_GROUP_FAILED = "rejoin-group-failed"
    STATE_CHANGED = "state-changed"
    RECOVERING = "recovering"
    RECOVERED = "recovered"
    SLOW_CONSUMER = "slow-consumer"


class WebPubSubClientState(_CaseInsensitiveEnum):
    """The client's public state (the official SDK keeps its state private)."""

    STOPPED = "Stopped"
    CONNECTING = "Connecting"
    CONNECTED = "Connected"
    RECOVERING = "Recovering"
    RECONNECTING = "Reconnecting"
    STOPPING = "Stopping"


class RetryMode(_CaseInsensitiveEnum):
    """How retry delays grow; the names of ``azure.core.pipeline.policies.RetryMode``, whose
    values are accepted too."""

    Exponential = "exponential"
    Fixed = "fixed"


@dataclass(frozen=True)
class WebPubSubResult:
    """The outcome of a successful operation.

    ``ack_id`` is the ack id the operation used (None for ``ack=False`` sends);
    ``is_duplicated`` is True when the service answered that this ack id had already been
    executed (say, by an earlier attempt whose ack was lost): the operation still took effect
    exactly once. The official SDK returns None and drops this information.
    """

    ack_id: Optional[int]
    is_duplicated: bool = False


@dataclass(frozen=True)
class OnConnectedArgs:
    connection_id: str
    user_id: Optional[str] = None


@dataclass(frozen=True)
class OnDisconnectedArgs:
    connection_id: Optional[str] = None
    message: Optional[str] = None
    #: The WebSocket close code, when a close frame arrived (the official SDK hides it).
    close_code: Optional[int] = None


@dataclass(frozen=True)
class OnStoppedArgs:
    """Carries nothing; callbacks for "stopped" may also take no argument."""


@dataclass(frozen=True)
class OnServerDataMessageArgs:
    data_type: WebPubSubDataType
    #: str for text, the decoded value for json, bytes for binary and protobuf.
    data: Any
    sequence_id: Optional[int] = None
    #: None, or why a json payload could not be decoded (e.g. ``RecursionError`` for one
    #: nested deeper than Python's recursion limit); ``data`` is then the JSON text.
    data_error: Optional[Exception] = None


@dataclass(frozen=True)
class OnGroupDataMessageArgs:
    data_type: WebPubSubDataType
    #: str for text, the decoded value for json, bytes for binary and protobuf.
    data: Any
    group: str
    from_user_id: Optional[str] = None
    sequence_id: Optional[int] = None
    #: None, or why a json payload could not be decoded (e.g. ``RecursionError`` for one
    #: nested deeper than Python's recursion limit); ``data`` is then the JSON text.
    data_error: Optional[Exception] = None


@dataclass(frozen=True)
class OnRejoinGroupFailedArgs:
    group: str
    #: A :class:`SendMessageError` (or subclass) saying why.
    error: Exception


@dataclass(frozen=True)
class OnStateChangedArgs:
    previous_state: WebPubSubClientState
    current_state: WebPubSubClientState


@dataclass(frozen=True)
class OnRecoveringArgs:
    connection_id: Optional[str]
    close_code: Optional[int] = None


@dataclass(frozen=True)
class OnRecoveredArgs:
    connection_id: Optional[str]
    #: Seconds from the drop to the recovered socket.
    elapsed: float


@dataclass(frozen=True)
class OnSlowConsumerArgs:
    """Callbacks fell behind: the library paused reading the socket until they catch up."""

    queued: int
