"""The library's logs reach Python logging (logger ``webpubsub_client``), tokens never appear,
and AZURE_LOG_LEVEL turns them on without any code."""

import logging
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from conftest import wait_until

PACKAGE_ROOT = Path(__file__).resolve().parents[1]


class ListHandler(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.records = []

    def emit(self, record):
        self.records.append(record)


def test_library_logs_reach_the_webpubsub_client_logger(make_client, url):
    handler = ListHandler()
    logger = logging.getLogger("webpubsub_client")
    logger.addHandler(handler)
    old_level = logger.level
    logger.setLevel(logging.DEBUG)
    try:
        client = make_client(url=url, logging_enable=True)
        client.start()
        client.join_group("logged")
        client.stop()
        native = lambda: [r for r in handler.records if not r.name.startswith("webpubsub_client._")]  # noqa: E731
        assert wait_until(lambda: any(r.levelno <= logging.INFO for r in native()))
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
    records = native()
    assert all(r.name.startswith("webpubsub_client.") for r in records)
    token = url.split("access_token=", 1)[1]
    assert not any(token in r.getMessage() for r in handler.records)


def test_azure_log_level_prints_logs_without_configuration(emulator, url):
    script = textwrap.dedent(
        f"""
        from webpubsub_client import WebPubSubClient
        with WebPubSubClient({url!r}) as client:
            client.join_group("g")
        """
    )
    env = dict(os.environ, AZURE_LOG_LEVEL="verbose", PYTHONPATH=str(PACKAGE_ROOT))
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    assert any(" DEBUG webpubsub_client." in line for line in lines), done.stderr
    assert any(" INFO webpubsub_client." in line for line in lines), done.stderr
    assert url.split("access_token=", 1)[1] not in done.stderr

    quiet = subprocess.run(
        [sys.executable, "-c", script],
        env={k: v for k, v in env.items() if k != "AZURE_LOG_LEVEL"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert quiet.returncode == 0 and quiet.stderr == ""
