"""The library's logs, delivered to Python ``logging``.

The C library calls one process-wide log callback on its own log thread; each record goes to
the logger named after its Rust target under ``webpubsub_client`` (``webpubsub_client::client``
becomes ``webpubsub_client.client``), so handlers on ``webpubsub_client`` see them all.

To keep the crossing cheap, the library forwards only records at or above a level: the most
verbose of ``AZURE_LOG_LEVEL``, the level the ``webpubsub_client`` logger has when a client is
created, and DEBUG when a client has ``logging_enable=True``. Setting ``AZURE_LOG_LEVEL``
(``verbose``, ``info``, ``warning``, ``error``) also sets the logger's level and, if nothing
would print the records, adds a stderr handler, as the seed page promises.

Access tokens and reconnection tokens never appear in the library's records.
"""

import logging
import os
import threading

from . import _native

LOGGER_NAME = "webpubsub_client"
TRACE = 5
logging.addLevelName(TRACE, "TRACE")

_TO_PYTHON = {
    _native.LOG_LEVEL_ERROR: logging.ERROR,
    _native.LOG_LEVEL_WARN: logging.WARNING,
    _native.LOG_LEVEL_INFO: logging.INFO,
    _native.LOG_LEVEL_DEBUG: logging.DEBUG,
    _native.LOG_LEVEL_TRACE: TRACE,
}
_AZURE_LEVELS = {
    "error": _native.LOG_LEVEL_ERROR,
    "warning": _native.LOG_LEVEL_WARN,
    "warn": _native.LOG_LEVEL_WARN,
    "info": _native.LOG_LEVEL_INFO,
    "verbose": _native.LOG_LEVEL_DEBUG,
    "debug": _native.LOG_LEVEL_DEBUG,
}

_lock = threading.Lock()
_forwarded = 0  # the level the library forwards at; 0: no callback installed
_env_configured = False
_loggers = {}


def _logger_for(target: str) -> logging.Logger:
    logger = _loggers.get(target)
    if logger is None:
        name = target.replace("::", ".")
        if name != LOGGER_NAME and not name.startswith(LOGGER_NAME + "."):
            name = f"{LOGGER_NAME}.{name}"
        logger = _loggers.setdefault(target, logging.getLogger(name))
    return logger


@_native.LOG_FN
def _on_log(user_data, level, target, message):
    # Runs on the library's log thread. Nothing may escape into C.
    try:
        python_level = _TO_PYTHON.get(level, logging.DEBUG)
        logger = _logger_for(target.text() or LOGGER_NAME)
        if logger.isEnabledFor(python_level):
            logger.log(python_level, "%s", message.text())
    except BaseException:  # noqa: B036
        pass  # a failing log handler must not take the library down


def _native_level(python_level: int) -> int:
    for native in (_native.LOG_LEVEL_TRACE, _native.LOG_LEVEL_DEBUG, _native.LOG_LEVEL_INFO, _native.LOG_LEVEL_WARN):
        if python_level <= _TO_PYTHON[native]:
            return native
    return _native.LOG_LEVEL_ERROR


def _configure_from_env() -> int:
    """Applies ``AZURE_LOG_LEVEL`` to the ``webpubsub_client`` logger (once); returns its
    library level, or 0 when unset or unknown."""
    global _env_configured
    level = _AZURE_LEVELS.get(os.environ.get("AZURE_LOG_LEVEL", "").strip().lower(), 0)
    if level and not _env_configured:
        _env_configured = True
        logger = logging.getLogger(LOGGER_NAME)
        if logger.level == logging.NOTSET:
            logger.setLevel(_TO_PYTHON[level])
        if not logger.hasHandlers():
            handler = logging.StreamHandler()
            handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
            logger.addHandler(handler)
    return level


def ensure_forwarding(logging_enable: bool = False) -> None:
    """Makes the library forward records at the level currently wanted (never lowers it)."""
    global _forwarded
    lib = _native.load()
    with _lock:
        wanted = max(
            _configure_from_env(),
            _native_level(logging.getLogger(LOGGER_NAME).getEffectiveLevel()),
            _native.LOG_LEVEL_DEBUG if logging_enable else 0,
        )
        if wanted <= _forwarded:
            return
        result = lib.wps_set_log_callback(_on_log, None, _native.FREE_FN(), wanted)  # no user_data to free
        if result == _native.RESULT_OK:
            _forwarded = wanted
        else:
            _forwarded = _native.LOG_LEVEL_TRACE  # do not try again
            logging.getLogger(LOGGER_NAME).warning(
                "cannot forward the library's logs: %s", lib.wps_result_str(result).decode()
            )


def forget_forwarding() -> None:
    """After ``wps_shutdown`` removed the callback: install it again with the next client."""
    global _forwarded
    with _lock:
        _forwarded = 0
