"""The C library: where it is found, which version it must be, and the ctypes declaration of
every function, struct and callback type of ``include/webpubsub_client.h``.

Every function gets ``argtypes`` and ``restype`` from :data:`SIGNATURES` (ctypes would
otherwise assume ``int`` results and truncate pointers); ``tests/test_abi.py`` checks the table
against the header. Nothing here knows the Python API; the other modules build on it.
"""

import atexit
import ctypes
import os
import sys
import threading
from ctypes import (
    CFUNCTYPE,
    POINTER,
    Structure,
    c_bool,
    c_char_p,
    c_int64,
    c_size_t,
    c_uint16,
    c_uint32,
    c_uint64,
    c_void_p,
)
from pathlib import Path
from typing import Optional

#: The C ABI version this binding is written for: the library's major and minor must match
#: (before 1.0 a minor release may change the ABI); any patch level is accepted.
EXPECTED_VERSION = (0, 1)

#: Environment variable naming the shared library file to load, before any other place.
LIBRARY_ENV = "WEBPUBSUB_CLIENT_LIBRARY"

if sys.platform == "win32":
    LIBRARY_FILE = "webpubsub_client.dll"
elif sys.platform == "darwin":
    LIBRARY_FILE = "libwebpubsub_client.dylib"
else:
    LIBRARY_FILE = "libwebpubsub_client.so"

# --- wps_result ----------------------------------------------------------------------------
RESULT_OK = 0
RESULT_NULL_ARGUMENT = 1
RESULT_INVALID_UTF8 = 2
RESULT_INVALID_ARGUMENT = 3
RESULT_PANIC = 4
RESULT_ILLEGAL_STATE = 5
RESULT_TIMEOUT = 6
RESULT_STOPPED = 7
RESULT_SERVICE_ERROR = 8
RESULT_CONNECTION_LOST = 9
RESULT_CONNECT_FAILED = 10
RESULT_MESSAGE_TOO_LARGE = 11
RESULT_INVALID_URL = 12
RESULT_CREDENTIAL_FAILED = 13
RESULT_NOT_FOUND = 14
RESULT_INTERNAL = 15

# --- events, flags and enum-like values ----------------------------------------------------
EVENT_CONNECTED = 1 << 0
EVENT_DISCONNECTED = 1 << 1
EVENT_STOPPED = 1 << 2
EVENT_SERVER_MESSAGE = 1 << 3
EVENT_GROUP_MESSAGE = 1 << 4
EVENT_REJOIN_GROUP_FAILED = 1 << 5
EVENT_STATE_CHANGED = 1 << 6
EVENT_RECOVERING = 1 << 7
EVENT_RECOVERED = 1 << 8
EVENT_SLOW_CONSUMER = 1 << 9
EVENT_ALL = (1 << 10) - 1

SEND_NO_ECHO = 1 << 0
SEND_FIRE_AND_FORGET = 1 << 1

LOG_LEVEL_FROM_ENV = 0
LOG_LEVEL_ERROR = 1
LOG_LEVEL_WARN = 2
LOG_LEVEL_INFO = 3
LOG_LEVEL_DEBUG = 4
LOG_LEVEL_TRACE = 5

PROTOCOL_JSON_RELIABLE = 1
PROTOCOL_JSON = 2
RETRY_MODE_FIXED = 1
RETRY_MODE_EXPONENTIAL = 2
DISPATCHER_DEDICATED = 0
DISPATCHER_SHARED = 1

STATE_STOPPED = 0
STATE_CONNECTING = 1
STATE_CONNECTED = 2
STATE_RECOVERING = 3
STATE_RECONNECTING = 4
STATE_STOPPING = 5

DATA_TYPE_TEXT = 1
DATA_TYPE_JSON = 2
DATA_TYPE_BINARY = 3
DATA_TYPE_PROTOBUF = 4


# --- opaque handles --------------------------------------------------------------------------
# Distinct (empty) struct types rather than bare void pointers, so that passing an options
# handle where a client is expected fails in ctypes instead of in the library.
class wps_client(Structure):
    pass


class wps_options(Structure):
    pass


class wps_error(Structure):
    pass


class wps_url_out(Structure):
    pass


# --- by-value structs (layouts checked against the C compiler in tests/test_abi.py) ----------
class wps_str(Structure):
    """A borrowed UTF-8 string; ``ptr`` is NULL when absent."""

    _fields_ = [("ptr", c_void_p), ("len", c_size_t)]

    def text(self) -> Optional[str]:
        if not self.ptr:
            return None
        return ctypes.string_at(self.ptr, self.len).decode("utf-8")


class wps_op_result(Structure):
    _fields_ = [("ack_id", c_uint64), ("duplicated", c_bool)]


class wps_event(Structure):
    _fields_ = [
        ("kind", c_uint32),
        ("connection_id", wps_str),
        ("user_id", wps_str),
        ("message", wps_str),
        ("group", wps_str),
        ("from_user_id", wps_str),
        ("data_type", c_uint32),
        ("data", c_void_p),
        ("data_len", c_size_t),
        ("sequence_id", c_uint64),
        ("has_sequence_id", c_bool),
        ("close_code", c_uint16),
        ("has_close_code", c_bool),
        ("previous_state", c_uint32),
        ("current_state", c_uint32),
        ("elapsed_ms", c_uint64),
        ("queued", c_size_t),
        ("error", POINTER(wps_error)),
    ]


class ByteBuffer:
    """The ctypes argument type of ``const uint8_t *data``: accepts ``bytes`` (or None) and
    passes a pointer into it without copying; ctypes keeps the object alive for the call."""

    @classmethod
    def from_param(cls, obj):
        if obj is None:
            return None
        if isinstance(obj, bytes):
            return c_char_p(obj)
        raise TypeError(f"expected bytes, got {type(obj).__name__}")


# --- callback types ------------------------------------------------------------------------
EVENT_FN = CFUNCTYPE(None, c_void_p, POINTER(wps_event))
COMPLETION_FN = CFUNCTYPE(None, c_void_p, c_uint32, POINTER(wps_op_result), POINTER(wps_error))
FREE_FN = CFUNCTYPE(None, c_void_p)
LOG_FN = CFUNCTYPE(None, c_void_p, c_uint32, wps_str, wps_str)
CREDENTIAL_FN = CFUNCTYPE(c_bool, c_void_p, POINTER(wps_url_out))

_CLIENT = POINTER(wps_client)
_OPTIONS = POINTER(wps_options)
_ERROR = POINTER(wps_error)
_ERROR_OUT = POINTER(_ERROR)
_R = c_uint32  # wps_result and the other uint32_t typedefs

#: name -> (restype, argtypes) for every function of the header.
SIGNATURES = {
    "wps_result_str": (c_char_p, [_R]),
    "wps_error_code": (_R, [_ERROR]),
    "wps_error_message": (c_char_p, [_ERROR]),
    "wps_error_ack_id": (c_bool, [_ERROR, POINTER(c_uint64)]),
    "wps_error_name": (c_char_p, [_ERROR]),
    "wps_error_http_status": (c_uint16, [_ERROR]),
    "wps_error_free": (None, [_ERROR]),
    "wps_version": (c_char_p, []),
    "wps_runtime_configure": (_R, [c_uint32, c_uint32]),
    "wps_shutdown": (_R, [c_uint32]),
    "wps_set_log_callback": (_R, [LOG_FN, c_void_p, FREE_FN, c_uint32]),
    "wps_options_new": (_R, [POINTER(_OPTIONS)]),
    "wps_options_free": (None, [_OPTIONS]),
    "wps_options_set_url": (_R, [_OPTIONS, c_char_p]),
    "wps_options_set_credential": (_R, [_OPTIONS, CREDENTIAL_FN, c_void_p, FREE_FN]),
    "wps_url_out_set": (_R, [POINTER(wps_url_out), c_char_p]),
    "wps_url_out_set_error": (_R, [POINTER(wps_url_out), c_char_p]),
    "wps_options_set_protocol": (_R, [_OPTIONS, c_uint32]),
    "wps_options_set_auto_reconnect": (_R, [_OPTIONS, c_bool]),
    "wps_options_set_auto_rejoin_groups": (_R, [_OPTIONS, c_bool]),
    "wps_options_set_message_retry": (_R, [_OPTIONS, c_int64, c_uint32, c_uint32, c_uint32, c_bool]),
    "wps_options_set_reconnect_retry": (_R, [_OPTIONS, c_int64, c_uint32, c_uint32, c_uint32, c_bool]),
    "wps_options_set_recovery_window_ms": (_R, [_OPTIONS, c_uint32]),
    "wps_options_set_recovery_interval_ms": (_R, [_OPTIONS, c_uint32]),
    "wps_options_set_connect_timeout_ms": (_R, [_OPTIONS, c_uint32]),
    "wps_options_set_operation_timeout_ms": (_R, [_OPTIONS, c_uint32]),
    "wps_options_set_keep_alive_interval_ms": (_R, [_OPTIONS, c_uint32]),
    "wps_options_set_keep_alive_timeout_ms": (_R, [_OPTIONS, c_uint32]),
    "wps_options_set_sequence_ack_interval_ms": (_R, [_OPTIONS, c_uint32]),
    "wps_options_set_sequence_ack_threshold": (_R, [_OPTIONS, c_uint32]),
    "wps_options_set_event_queue_capacity": (_R, [_OPTIONS, c_size_t]),
    "wps_options_set_operation_queue_capacity": (_R, [_OPTIONS, c_size_t]),
    "wps_options_add_header": (_R, [_OPTIONS, c_char_p, c_char_p]),
    "wps_options_clear_headers": (_R, [_OPTIONS]),
    "wps_options_set_user_agent": (_R, [_OPTIONS, c_char_p]),
    "wps_options_set_extra_ca_pem": (_R, [_OPTIONS, ByteBuffer, c_size_t]),
    "wps_options_set_dispatcher": (_R, [_OPTIONS, c_uint32]),
    "wps_client_new": (_R, [_OPTIONS, POINTER(_CLIENT), _ERROR_OUT]),
    "wps_client_free": (None, [_CLIENT]),
    "wps_client_start": (_R, [_CLIENT, _ERROR_OUT]),
    "wps_client_start_async": (_R, [_CLIENT, COMPLETION_FN, c_void_p]),
    "wps_client_stop": (_R, [_CLIENT]),
    "wps_client_stop_async": (_R, [_CLIENT, COMPLETION_FN, c_void_p]),
    "wps_client_state": (_R, [_CLIENT, POINTER(c_uint32)]),
    "wps_client_add_listener": (_R, [_CLIENT, c_uint32, EVENT_FN, c_void_p, FREE_FN, POINTER(c_uint64)]),
    "wps_client_remove_listener": (_R, [_CLIENT, c_uint64]),
    "wps_client_join_group": (_R, [_CLIENT, c_char_p, c_uint64, c_uint32, POINTER(wps_op_result), _ERROR_OUT]),
    "wps_client_join_group_async": (_R, [_CLIENT, c_char_p, c_uint64, c_uint32, COMPLETION_FN, c_void_p, _ERROR_OUT]),
    "wps_client_leave_group": (_R, [_CLIENT, c_char_p, c_uint64, c_uint32, POINTER(wps_op_result), _ERROR_OUT]),
    "wps_client_leave_group_async": (_R, [_CLIENT, c_char_p, c_uint64, c_uint32, COMPLETION_FN, c_void_p, _ERROR_OUT]),
    "wps_client_send_to_group": (
        _R,
        [_CLIENT, c_char_p, c_uint32, ByteBuffer, c_size_t, c_uint32, c_uint64, c_uint32, POINTER(wps_op_result), _ERROR_OUT],
    ),
    "wps_client_send_to_group_async": (
        _R,
        [_CLIENT, c_char_p, c_uint32, ByteBuffer, c_size_t, c_uint32, c_uint64, c_uint32, COMPLETION_FN, c_void_p, _ERROR_OUT],
    ),
    "wps_client_send_event": (
        _R,
        [_CLIENT, c_char_p, c_uint32, ByteBuffer, c_size_t, c_uint32, c_uint64, c_uint32, POINTER(wps_op_result), _ERROR_OUT],
    ),
    "wps_client_send_event_async": (
        _R,
        [_CLIENT, c_char_p, c_uint32, ByteBuffer, c_size_t, c_uint32, c_uint64, c_uint32, COMPLETION_FN, c_void_p, _ERROR_OUT],
    ),
}


class LibraryError(ImportError):
    """The C library could not be found or loaded, or its version does not match."""


def _candidates():
    """Where the library may be, in order: $WEBPUBSUB_CLIENT_LIBRARY, next to this package
    (installed wheels), $CARGO_TARGET_DIR/release, then ``target/release`` of every parent
    directory (a source checkout)."""
    explicit = os.environ.get(LIBRARY_ENV)
    if explicit:
        yield Path(explicit)
        return
    here = Path(__file__).resolve().parent
    yield here / LIBRARY_FILE
    target_dir = os.environ.get("CARGO_TARGET_DIR")
    if target_dir:
        yield Path(target_dir) / "release" / LIBRARY_FILE
    for parent in here.parents:
        yield parent / "target" / "release" / LIBRARY_FILE


def parse_version(text: str):
    """``"0.1.0"`` (or ``"0.1.0-beta"``) -> ``(0, 1, 0)``."""
    core = text.split("-", 1)[0].split("+", 1)[0]
    return tuple(int(part) for part in core.split("."))


_lock = threading.Lock()
_lib = None


def load() -> ctypes.CDLL:
    """Loads the library once (thread-safe), declares every function and checks the version.

    ``CDLL`` (not ``PyDLL``) releases the GIL during every call, so blocking calls never stop
    the library's threads from running Python callbacks.
    """
    global _lib
    if _lib is not None:
        return _lib
    with _lock:
        if _lib is not None:
            return _lib
        tried = []
        for path in _candidates():
            tried.append(str(path))
            if path.is_file():
                break
        else:
            raise LibraryError(
                f"{LIBRARY_FILE} not found (tried: {', '.join(tried)}). Build it with "
                f"`cargo build --release` or set {LIBRARY_ENV} to its path."
            )
        try:
            lib = ctypes.CDLL(str(path))
        except OSError as exc:
            raise LibraryError(f"cannot load {path}: {exc}") from exc
        for name, (restype, argtypes) in SIGNATURES.items():
            try:
                function = getattr(lib, name)
            except AttributeError as exc:
                raise LibraryError(f"{path} has no function {name}: an older library?") from exc
            function.restype = restype
            function.argtypes = argtypes
        version = lib.wps_version().decode("ascii")
        try:
            major_minor = parse_version(version)[:2]
        except ValueError as exc:
            raise LibraryError(f"{path} reports an unparsable version {version!r}") from exc
        if major_minor != EXPECTED_VERSION:
            expected = ".".join(map(str, EXPECTED_VERSION))
            raise LibraryError(f"{path} is version {version}; this binding needs {expected}.x")
        lib.path = str(path)
        lib.version = version
        atexit.register(_shutdown_at_exit, lib)
        _lib = lib
        return lib


def _shutdown_at_exit(lib) -> None:
    # Stops the library's threads while the interpreter can still run their callbacks, so no
    # library thread calls into a finalizing interpreter. Clients freed by their own exit
    # finalizers before or after this are fine either way: after wps_shutdown a client handle
    # stays valid (stopped) until it is freed.
    lib.wps_shutdown(5000)
