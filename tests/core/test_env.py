"""Configuration from the environment: typed values, and secrets that are generated once."""

from __future__ import annotations

import multiprocessing
import stat
from pathlib import Path

import pytest

from frontdesk.core.env import ConfigError, env_bool, env_int, env_list, env_secret, env_str


def test_typed_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FD_FLAG", "yes")
    monkeypatch.setenv("FD_NUMBER", "42")
    monkeypatch.setenv("FD_HOSTS", "a.example, b.example,,")
    assert env_bool("FD_FLAG", False) is True
    assert env_int("FD_NUMBER", 1) == 42
    assert env_list("FD_HOSTS", []) == ["a.example", "b.example"]
    assert env_bool("FD_UNSET", True) is True


def test_empty_means_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FD_EMPTY", "")
    assert env_str("FD_EMPTY", "fallback") == "fallback"
    assert env_int("FD_EMPTY", 7) == 7
    assert env_list("FD_EMPTY", ["a"]) == ["a"]


@pytest.mark.parametrize(("name", "value"), [("FD_FLAG", "perhaps"), ("FD_NUMBER", "4two")])
def test_bad_values_fail_loudly(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=name):
        env_bool(name, False) if name == "FD_FLAG" else env_int(name, 1)


def test_secret_from_environment_or_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("FD_SECRET", "from-env")
    assert env_secret("FD_SECRET", data_dir=tmp_path, filename="s") == "from-env"
    monkeypatch.delenv("FD_SECRET")
    (tmp_path / "mounted").write_text("from-file\n")
    monkeypatch.setenv("FD_SECRET_FILE", str(tmp_path / "mounted"))
    assert env_secret("FD_SECRET", data_dir=tmp_path, filename="s") == "from-file"
    monkeypatch.setenv("FD_SECRET_FILE", str(tmp_path / "missing"))
    with pytest.raises(ConfigError):
        env_secret("FD_SECRET", data_dir=tmp_path, filename="s")


def test_generated_secret_is_private_strong_and_stable(tmp_path: Path) -> None:
    first = env_secret("FD_NOT_SET", data_dir=tmp_path, filename="secret")
    second = env_secret("FD_NOT_SET", data_dir=tmp_path, filename="secret")
    assert first == second and len(first) >= 60
    mode = stat.S_IMODE((tmp_path / "secret").stat().st_mode)
    assert mode == 0o600
    assert env_secret("FD_NOT_SET", data_dir=tmp_path, filename="other") != first


def _read_secret(directory: str) -> str:
    return env_secret("FD_NOT_SET", data_dir=Path(directory), filename="shared")


def test_processes_starting_together_share_one_secret(tmp_path: Path) -> None:
    with multiprocessing.get_context("spawn").Pool(6) as pool:
        secrets = pool.map(_read_secret, [str(tmp_path)] * 24)
    assert len(set(secrets)) == 1
    assert [p.name for p in tmp_path.iterdir()] == ["shared"]  # no temporary files left
