"""Client access URLs: a fixed string, or a provider called for a fresh URL (a new access
token) on every start and every reconnect."""

import asyncio
import inspect
import logging
from typing import Any, Awaitable, Callable, Optional, Union

from . import _native, _registry

_LOGGER = logging.getLogger(__name__)

UrlProvider = Callable[[], Union[str, Awaitable[str]]]


class WebPubSubClientCredential:
    """Where the client gets its client access URL.

    ``client_access_url_provider`` is either the URL itself (its token cannot be renewed, so a
    reconnect after it expired fails) or a callable returning a fresh URL. The callable runs on
    a library thread, not the caller's; for the aio client it may be a coroutine function,
    which is then awaited on the client's event loop.
    """

    def __init__(self, client_access_url_provider: Union[str, UrlProvider]) -> None:
        if isinstance(client_access_url_provider, str):
            self._url: Optional[str] = client_access_url_provider
            self._provider: Optional[UrlProvider] = None
        elif callable(client_access_url_provider):
            self._url = None
            self._provider = client_access_url_provider
        else:
            raise TypeError("client_access_url_provider must be a str or a callable returning one")

    def get_client_access_url(self) -> str:
        """The URL (calling the provider; an async provider is run to completion here)."""
        if self._url is not None:
            return self._url
        value = self._provider()
        if inspect.isawaitable(value):
            value = asyncio.run(_awaited(value))
        return _checked(value)


def as_credential(credential: Any) -> WebPubSubClientCredential:
    """A ``str``, a :class:`WebPubSubClientCredential` or a plain callable."""
    if isinstance(credential, WebPubSubClientCredential):
        return credential
    if isinstance(credential, str) or callable(credential):
        return WebPubSubClientCredential(credential)
    raise TypeError("credential must be a client access URL (str), a WebPubSubClientCredential or a callable returning a URL")


async def _awaited(awaitable):
    return await awaitable


def _checked(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"the credential returned {type(value).__name__}, not a URL string")
    return value


class _Source:
    """What the C credential callback's ``user_data`` designates: the credential, and the loop
    holder of an aio client, whose loop runs async providers."""

    __slots__ = ("credential", "loops")

    def __init__(self, credential: WebPubSubClientCredential, loops) -> None:
        self.credential = credential
        self.loops = loops

    def url(self) -> str:
        credential = self.credential
        value = credential._provider()
        if inspect.isawaitable(value):
            loop = self.loops.loop if self.loops is not None else None
            if loop is not None and loop.is_running():
                value = asyncio.run_coroutine_threadsafe(_awaited(value), loop).result()
            else:
                value = asyncio.run(_awaited(value))
        return _checked(value)


@_native.CREDENTIAL_FN
def _on_credential(user_data, out):
    # Runs on a library (blocking-pool) thread on every start and reconnect.
    lib = _native.load()
    try:
        url = _registry.get(user_data).url()
        if lib.wps_url_out_set(out, url.encode("utf-8")) != _native.RESULT_OK:
            raise ValueError("the URL is not valid UTF-8")
        return True
    except BaseException as exc:  # noqa: B036 - an exception must never unwind into C
        _LOGGER.warning("the credential failed to provide a client access URL: %r", exc)
        lib.wps_url_out_set_error(out, f"{type(exc).__name__}: {exc}".encode("utf-8", "replace"))
        return False


def apply(lib, options, credential: WebPubSubClientCredential, loops) -> None:
    """Puts the credential into a ``wps_options``."""
    if credential._url is not None:
        result = lib.wps_options_set_url(options, credential._url.encode("utf-8"))
        if result != _native.RESULT_OK:
            raise ValueError(f"invalid client access URL ({lib.wps_result_str(result).decode()})")
        return
    key = _registry.keep(_Source(credential, loops))
    result = lib.wps_options_set_credential(options, _on_credential, key, _registry.FREE_ENTRY)
    if result != _native.RESULT_OK:
        _registry.release(key)  # nothing was taken
        raise ValueError(f"cannot use the credential ({lib.wps_result_str(result).decode()})")
