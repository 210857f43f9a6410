"""``frontdesk reports_build`` as a new user might run it first: on a fresh data dir it
migrates, as ``serve`` and ``demo`` do, and counts nothing."""

from __future__ import annotations

from pathlib import Path

from tests.cli.commands import frontdesk_on_sqlite


def test_reports_build_migrates_a_fresh_data_directory(tmp_path: Path) -> None:
    done = frontdesk_on_sqlite(tmp_path / "data", "reports_build")
    assert done.returncode == 0, done.stderr
    assert "Counted the reports of 0 days" in done.stdout
