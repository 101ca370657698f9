"""The asyncio client: the same API as the sync one with awaitable operations, built on the C
library's completion callbacks (no thread is blocked while an operation is pending)."""

import asyncio
import inspect
import logging
from typing import Any, Awaitable, Callable, Optional, Union

from .. import _core
from .._credential import WebPubSubClientCredential
from .._models import CallbackType, WebPubSubClientState, WebPubSubDataType, WebPubSubResult

_LOGGER = logging.getLogger(__name__)


class _LoopBridge:
    """Hands completions and events from the library's dispatcher thread to the event loop.

    It holds the loop and the tasks of coroutine listeners (asyncio keeps only weak references
    to tasks), never the client, so registered listeners do not keep the client alive.
    """

    def __init__(self) -> None:
        self.loop: Optional[asyncio.AbstractEventLoop] = None
        self._tasks = set()

    @staticmethod
    def future() -> "asyncio.Future":
        return asyncio.get_running_loop().create_future()

    @staticmethod
    def settle(future: "asyncio.Future"):
        """A ``done(result, error)`` for the core that resolves ``future`` on its loop."""
        loop = future.get_loop()

        def done(result, error):
            try:
                loop.call_soon_threadsafe(_resolve, future, result, error)
            except RuntimeError:
                _LOGGER.debug("the event loop is closed; dropping an operation's outcome")

        return done

    def deliver(self, listeners, args) -> None:
        loop = self.loop
        if loop is None:
            return
        try:
            loop.call_soon_threadsafe(self._run, listeners, args)
        except RuntimeError:
            _LOGGER.debug("the event loop is closed; dropping a %r event", listeners[0].event.value)

    def _run(self, listeners, args) -> None:
        # On the loop: plain callables run here, in event order; coroutines become tasks.
        for listener in listeners:
            result = listener.call(args)
            if inspect.isawaitable(result):
                task = asyncio.ensure_future(result)
                self._tasks.add(task)
                task.add_done_callback(lambda t, event=listener.event.value: self._finished(t, event))

    def _finished(self, task: "asyncio.Future", event: str) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            _LOGGER.error("the %r callback raised", event, exc_info=task.exception())


def _resolve(future: "asyncio.Future", result, error) -> None:
    if future.done():  # the awaiting task was cancelled
        return
    if error is None:
        future.set_result(result)
    else:
        future.set_exception(error)


class WebPubSubClient:
    """A Web PubSub client for asyncio; see :class:`webpubsub_client.WebPubSubClient` for
    the options. ``async with client:`` starts it and returns it; leaving stops it.

    Listeners run on the event loop of the last ``start()``: plain callables in event order,
    coroutine functions as tasks. A credential callable may be a coroutine function, awaited
    on that loop. Cancelling a task awaiting an operation does not withdraw the operation
    (it may still take effect).
    """

    def __init__(
        self,
        credential: Union[str, WebPubSubClientCredential, Callable[[], Union[str, Awaitable[str]]]],
        **kwargs: Any,
    ) -> None:
        self._bridge = _LoopBridge()
        self._core = _core.NativeClient(credential, kwargs, self._bridge.deliver, self._bridge)

    async def start(self) -> None:
        """Connects; raises :class:`OpenClientError` when this attempt fails. Events are
        delivered to the running loop from now on."""
        self._bridge.loop = asyncio.get_running_loop()
        future = self._bridge.future()
        self._core.start_async(self._bridge.settle(future))
        await future

    async def stop(self) -> None:
        """Stops in any state; idempotent. Pending operations fail with
        :class:`ClientStoppedError`. Returns once the "stopped" callbacks ran (plain ones;
        coroutine ones have been started)."""
        future = self._bridge.future()
        self._core.stop_async(self._bridge.settle(future))
        await future

    async def open(self) -> None:
        await self.start()

    async def close(self) -> None:
        await self.stop()

    async def __aenter__(self) -> "WebPubSubClient":
        await self.start()
        return self

    async def __aexit__(self, exc_type, exc_value, traceback) -> None:
        await self.stop()

    @property
    def state(self) -> WebPubSubClientState:
        return self._core.state()

    def is_connected(self) -> bool:
        return self._core.state() is WebPubSubClientState.CONNECTED

    def on(self, event: Union[CallbackType, str], listener: Callable) -> None:
        self._core.add_listener(event, listener)

    def off(self, event: Union[CallbackType, str], listener: Callable) -> None:
        if not self._core.remove_listener(event, listener):
            _LOGGER.info("off(%r): the listener is not registered", event)

    def subscribe(self, event: Union[CallbackType, str], listener: Callable) -> None:
        self.on(event, listener)

    def unsubscribe(self, event: Union[CallbackType, str], listener: Callable) -> None:
        self.off(event, listener)

    async def join_group(self, group_name: str, ack_id: Optional[int] = None, *, timeout: Optional[float] = None) -> WebPubSubResult:
        return await self._operation("join_group", _core.group_args(group_name, ack_id, timeout))

    async def leave_group(self, group_name: str, ack_id: Optional[int] = None, *, timeout: Optional[float] = None) -> WebPubSubResult:
        return await self._operation("leave_group", _core.group_args(group_name, ack_id, timeout))

    async def send_to_group(
        self,
        group_name: str,
        content: Any,
        data_type: Union[WebPubSubDataType, str],
        no_echo: bool = False,
        ack: bool = True,
        ack_id: Optional[int] = None,
        *,
        timeout: Optional[float] = None,
    ) -> WebPubSubResult:
        args = _core.send_to_group_args(group_name, content, data_type, no_echo, ack, ack_id, timeout)
        return await self._operation("send_to_group", args)

    async def send_event(
        self,
        event_name: str,
        content: Any,
        data_type: Union[WebPubSubDataType, str],
        ack: bool = True,
        ack_id: Optional[int] = None,
        *,
        timeout: Optional[float] = None,
    ) -> WebPubSubResult:
        args = _core.send_event_args(event_name, content, data_type, ack, ack_id, timeout)
        return await self._operation("send_event", args)

    async def _operation(self, name: str, args) -> WebPubSubResult:
        future = self._bridge.future()
        self._core.operation(name, args, self._bridge.settle(future))
        return await future
