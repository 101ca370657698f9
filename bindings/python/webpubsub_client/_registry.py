"""Keeps the Python objects that C holds as ``void *user_data`` alive.

C never receives a pointer to a Python object: it receives a small integer key into this
table. An entry stays here, strongly referenced, until the library says it is done with it:
through the ``free_user_data`` finalizer (:data:`FREE_ENTRY`) for a client's listener set and
for credentials, or when a completion callback, fired exactly once, takes its entry out. So
the garbage collector can never free a callback the library may still call, whatever the user
does with their own references.

The trampolines themselves (``CFUNCTYPE`` objects) are module-level constants of the modules
that define them and live as long as the interpreter.
"""

import itertools
import threading
from typing import Any, Optional

from . import _native

_entries = {}
_lock = threading.Lock()
_keys = itertools.count(1)  # 0 would reach C as NULL


def keep(obj: Any) -> int:
    """Stores ``obj`` and returns the key to pass to C as ``user_data``."""
    key = next(_keys)
    with _lock:
        _entries[key] = obj
    return key


def get(key: Optional[int]) -> Any:
    with _lock:
        return _entries.get(key)


def release(key: Optional[int]) -> Any:
    """Removes and returns the entry (None if already gone)."""
    with _lock:
        return _entries.pop(key, None)


@_native.FREE_FN
def _free_entry(user_data):
    # The library's finalizer: it will never pass this key again.
    release(user_data)


#: The ``wps_free_fn`` given with every registry key.
FREE_ENTRY = _free_entry
