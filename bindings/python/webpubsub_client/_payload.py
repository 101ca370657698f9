"""Message payloads: Python values to ``(wps_data_type, bytes)`` and back.

text  <-> ``str`` (UTF-8 on the wire)
json  <-> any JSON value but null, serialized with ``json.dumps`` and parsed with ``json.loads``
binary, protobuf <-> ``bytes`` (``bytearray`` and ``memoryview`` accepted when sending)

A received JSON payload that ``json.loads`` cannot turn into Python values (nested deeper
than the interpreter's recursion limit, a number too long to convert) is still delivered:
as its text, with the exception beside it, never dropped.
"""

import json
from typing import Any, Optional, Tuple

from . import _native
from ._models import WebPubSubDataType

_TO_NATIVE = {
    WebPubSubDataType.TEXT: _native.DATA_TYPE_TEXT,
    WebPubSubDataType.JSON: _native.DATA_TYPE_JSON,
    WebPubSubDataType.BINARY: _native.DATA_TYPE_BINARY,
    WebPubSubDataType.PROTOBUF: _native.DATA_TYPE_PROTOBUF,
}
_FROM_NATIVE = {value: member for member, value in _TO_NATIVE.items()}


def data_type_of(data_type: Any) -> WebPubSubDataType:
    """Accepts this package's enum, the official SDK's ``WebPubSubDataType`` (a ``str`` enum)
    or a plain string, in any case."""
    value = getattr(data_type, "value", data_type)
    try:
        return WebPubSubDataType(value)
    except ValueError:
        raise ValueError(f"unsupported data_type {data_type!r}: use text, json, binary or protobuf") from None


def encode(content: Any, data_type: Any) -> Tuple[int, bytes]:
    kind = data_type_of(data_type)
    if kind is WebPubSubDataType.TEXT:
        if not isinstance(content, str):
            raise TypeError(f"content must be a str for data_type text, got {type(content).__name__}")
        data = content.encode("utf-8")
    elif kind is WebPubSubDataType.JSON:
        if content is None:
            # The service refuses `"data": null` (and closes the connection), so refuse it here.
            raise ValueError("JSON null cannot be sent: the service refuses a null payload")
        # allow_nan=False: NaN and Infinity are not JSON and the service would refuse them.
        data = json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode("utf-8")
    elif isinstance(content, bytes):
        data = content
    elif isinstance(content, (bytearray, memoryview)):
        data = memoryview(content).tobytes()
    else:
        raise TypeError(f"content must be bytes, bytearray or memoryview for data_type {kind.value}, got {type(content).__name__}")
    return _TO_NATIVE[kind], data


def decode(native_type: int, data: bytes) -> Tuple[WebPubSubDataType, Any, Optional[Exception]]:
    """``(data_type, value, error)``; ``error`` is set only when a JSON payload could not be
    parsed, and ``value`` is then the JSON text (the library checked it is valid JSON)."""
    kind = _FROM_NATIVE.get(native_type, WebPubSubDataType.BINARY)
    if kind is WebPubSubDataType.TEXT:
        return kind, data.decode("utf-8"), None
    if kind is WebPubSubDataType.JSON:
        text = data.decode("utf-8")
        try:
            return kind, json.loads(text), None
        except (RecursionError, ValueError) as error:
            return kind, text, error
    return kind, data, None
