"""Ctrl+C once hung ``frontdesk serve`` 8 times in 24, once for 55 minutes, with the port still
answering. Here it is started with live streams open and stopped twenty times per signal: every
time it is gone within ten seconds, its children with it, and the port is free for the next."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest

from frontdesk.core.lifecycle import port_taken
from tests.cli.test_serve_stops import (
    _children,
    _gone,
    _open_streams,
    _start,
    port_refuses,
    stop_within_ten_seconds,
)

pytestmark = pytest.mark.limits  # the production caps on streams per user and address

TRIALS = 20


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM], ids=["Ctrl+C", "SIGTERM"])
def test_serve_stops_within_ten_seconds_every_time(
    tmp_path: Path, stop_signal: signal.Signals
) -> None:
    data = tmp_path / "data"  # migrated by the first start, reused by the others
    for trial in range(TRIALS):
        process, port = _start(data)
        children = _children(process.pid)
        streams = _open_streams(port, data, 3)
        stop_within_ten_seconds(process, stop_signal, streams, trial)
        # Children are stopped before serve returns; allow the kernel a moment to reap them.
        deadline = time.monotonic() + 2
        while not all(_gone(child) for child in children) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert children and all(_gone(child) for child in children), f"trial {trial}"
        assert port_refuses(port), f"trial {trial}: port {port} still answers"
        assert not port_taken("127.0.0.1", port), f"trial {trial}: port {port} still taken"
