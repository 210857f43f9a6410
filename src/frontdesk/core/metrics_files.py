"""Where ``serve``'s processes keep their metrics: a module of its own, since the ``serve``
process must set it up before anything imports prometheus-client (cli.py)."""

from __future__ import annotations

from pathlib import Path

MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"


def multiprocess_directory_reset(data_dir: Path) -> Path:
    """``<data dir>/metrics``, emptied of a previous run's files."""
    directory = data_dir / "metrics"
    directory.mkdir(mode=0o700, exist_ok=True)
    for stale in directory.glob("*.db"):
        stale.unlink()
    return directory
