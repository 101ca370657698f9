"""Launches ``webpubsub-emulator`` (the project's local Web PubSub service) and drives its HTTP
control surface (``/_emulator/...``): client access URLs with roles, the connection list,
abrupt drops, closes and message injection. Used by the quickstart and the tests; handy for
testing an application offline.

    with Emulator() as emulator:
        url = emulator.client_access_url("sample_hub", user_id="user1", roles=Emulator.GROUP_ROLES)
"""

import json
import os
import shutil
import subprocess
import threading
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional

BINARY_ENV = "WEBPUBSUB_EMULATOR"
BINARY_NAME = "webpubsub-emulator.exe" if os.name == "nt" else "webpubsub-emulator"


def find_binary() -> str:
    """$WEBPUBSUB_EMULATOR, $CARGO_TARGET_DIR/release, ``target/release`` of a parent
    directory of this package (a source checkout), then PATH."""
    explicit = os.environ.get(BINARY_ENV)
    if explicit:
        return explicit
    candidates = []
    if os.environ.get("CARGO_TARGET_DIR"):
        candidates.append(Path(os.environ["CARGO_TARGET_DIR"]) / "release" / BINARY_NAME)
    candidates += [parent / "target" / "release" / BINARY_NAME for parent in Path(__file__).resolve().parents]
    for candidate in candidates:
        if candidate.is_file():
            return str(candidate)
    on_path = shutil.which(BINARY_NAME)
    if on_path:
        return on_path
    raise FileNotFoundError(
        f"{BINARY_NAME} not found: build it with `cargo build --release -p webpubsub-emulator` or set {BINARY_ENV}"
    )


class EmulatorError(RuntimeError):
    pass


class Emulator:
    """A running emulator on a free port (``--port 0``)."""

    #: Roles allowing to join, leave and send to every group.
    GROUP_ROLES = ("webpubsub.joinLeaveGroup", "webpubsub.sendToGroup")

    def __init__(self, binary: Optional[str] = None, args: Iterable[str] = (), start_timeout: float = 30.0) -> None:
        self.binary = binary or find_binary()
        self.args = list(args)
        self.start_timeout = start_timeout
        self.endpoint: Optional[str] = None
        self.connection_string: Optional[str] = None
        self._process: Optional[subprocess.Popen] = None

    def start(self) -> "Emulator":
        process = subprocess.Popen(
            [self.binary, "--port", "0", *self.args], stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True
        )
        self._process = process
        watchdog = threading.Timer(self.start_timeout, process.kill)
        watchdog.start()
        try:
            for line in process.stdout:
                if line.startswith("Endpoint="):
                    self.connection_string = line.strip()
                    self.endpoint = self.connection_string.split(";", 1)[0][len("Endpoint=") :]
                    break
        finally:
            watchdog.cancel()
        if self.endpoint is None:
            self.stop()
            raise EmulatorError(f"{self.binary} did not print its endpoint (exit code {process.poll()})")
        return self

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if process is not None and process.stdout is not None:
            process.stdout.close()

    def __enter__(self) -> "Emulator":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    # --- control surface ------------------------------------------------------------------
    def request(self, method: str, path: str, query: Optional[Dict[str, Any]] = None, body: Optional[bytes] = None,
                content_type: Optional[str] = None) -> Any:
        """Calls ``/_emulator/<path>`` and returns the decoded JSON answer."""
        url = f"{self.endpoint}/_emulator/{path}"
        if query:
            url += "?" + urllib.parse.urlencode(query, doseq=True)
        request = urllib.request.Request(url, data=body, method=method)
        if content_type:
            request.add_header("Content-Type", content_type)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            raise EmulatorError(f"{method} {path}: HTTP {exc.code} {exc.read().decode(errors='replace')}") from None

    def client_access_url(self, hub: str = "sample_hub", user_id: Optional[str] = None, roles: Iterable[str] = (),
                          groups: Iterable[str] = (), minutes: int = 60) -> str:
        query = {"hub": hub, "role": list(roles), "group": list(groups), "minutes": minutes}
        if user_id is not None:
            query["userId"] = user_id
        return self.request("GET", "client-access-url", query)["url"]

    def connections(self, hub: Optional[str] = None) -> List[Dict[str, Any]]:
        return self.request("GET", "connections", {"hub": hub} if hub else None)

    def drop(self, connection_id: str) -> None:
        """Drops the connection's transport abruptly (TCP reset); a reliable client recovers."""
        self.request("POST", f"connections/{urllib.parse.quote(connection_id)}/drop")

    def close(self, connection_id: str, code: int = 1000, reason: Optional[str] = None) -> None:
        query = {"code": code}
        if reason is not None:
            query["reason"] = reason
        self.request("POST", f"connections/{urllib.parse.quote(connection_id)}/close", query)

    def send_to_group(self, hub: str, group: str, data: bytes, content_type: str = "text/plain") -> int:
        """Injects a group message as the application server would; returns the receivers."""
        path = f"hubs/{urllib.parse.quote(hub)}/groups/{urllib.parse.quote(group)}/message"
        return self.request("POST", path, body=data, content_type=content_type)["delivered"]

    def send_to_connection(self, hub: str, connection_id: str, data: bytes, content_type: str = "text/plain") -> int:
        """Injects a server message to one connection."""
        path = f"hubs/{urllib.parse.quote(hub)}/server-message"
        return self.request("POST", path, {"connectionId": connection_id}, data, content_type)["delivered"]

    def set_echo(self, enabled: bool) -> None:
        """Echo mode: every client event is answered with a server message carrying its data."""
        self.request("PUT", "echo", {"enabled": "true" if enabled else "false"})

    def events(self, hub: Optional[str] = None) -> List[Dict[str, Any]]:
        """Client events the emulator received (as an application server would)."""
        return self.request("GET", "events", {"hub": hub} if hub else None)
