"""Quickstart: the seed page's walk-through with the Python binding.

Connect, register callbacks for connected / disconnected / stopped / server-message /
group-message, join ``group1``, send "hello world" as text, receive it, stop.

    python bindings/python/quickstart.py                 # against a local emulator it starts
    python bindings/python/quickstart.py --url "wss://<service>/client/hubs/<hub>?access_token=<token>"
    WEBPUBSUB_CLIENT_ACCESS_URL=... python bindings/python/quickstart.py

Without a URL it starts ``target/release/webpubsub-emulator`` (build it with
``cargo build --release``) and asks its control surface for a URL with group permissions.
"""

import argparse
import contextlib
import os
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # run from a checkout without installing

from webpubsub_client import WebPubSubClient  # noqa: E402
from webpubsub_client.emulator import Emulator  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=os.environ.get("WEBPUBSUB_CLIENT_ACCESS_URL"), help="a client access URL")
    args = parser.parse_args()

    with contextlib.ExitStack() as stack:
        url = args.url
        if not url:
            emulator = stack.enter_context(Emulator())
            url = emulator.client_access_url("sample_hub", user_id="user1", roles=Emulator.GROUP_ROLES)
            print(f"Started the emulator at {emulator.endpoint}")

        received = threading.Event()
        client = WebPubSubClient(url)
        client.on("connected", lambda e: print(f"Connection {e.connection_id} is connected"))
        client.on("disconnected", lambda e: print(f"Connection disconnected: {e.message}"))
        client.on("stopped", lambda: print("Client has stopped"))
        client.on("server-message", lambda e: print(f"Received message {e.data}"))

        def on_group_message(e):
            print(f"Received message from {e.group}: {e.data}")
            received.set()

        # Registered before joining so that no message is missed.
        client.on("group-message", on_group_message)

        with client:
            group_name = "group1"
            client.join_group(group_name)
            client.send_to_group(group_name, "hello world", "text")
            if not received.wait(10):
                print("no message received within 10 s", file=sys.stderr)
                return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
