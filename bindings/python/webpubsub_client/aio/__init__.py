"""The asyncio flavour: ``async with WebPubSubClient(url) as client: await client.join_group(...)``.
Everything but the client is shared with the sync package."""

from .._credential import WebPubSubClientCredential
from ._client import WebPubSubClient

__all__ = ["WebPubSubClient", "WebPubSubClientCredential"]
