"""Typed readers for environment variables, failing loudly on bad values.

Secrets may also come from ``NAME_FILE`` (a path, as Docker and systemd secrets do) or, when
neither is set, are generated once with :mod:`secrets` and kept in the data directory with
0600 permissions, so they survive restarts and are shared by every process on the host.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path


class ConfigError(RuntimeError):
    pass


def env_str(name: str, default: str) -> str:
    """The variable's value; unset and empty both mean the default."""
    return os.environ.get(name) or default


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name} must be true or false, not {raw!r}")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}") from None
    if minimum is not None and value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, not {value}")
    return value


RATE_PERIODS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}


def env_rate(name: str, default: str) -> str:
    """A rate such as ``10/minute`` (units: second, minute, hour, day); a count of 0 turns the
    limit off whatever the unit, and ``0`` alone does too. Checked here so a typo stops the
    start-up; the answer is always ``<count>/<unit>``."""
    value = env_str(name, default).strip().lower()
    rate = rate_normalised(value)
    if rate is None:
        raise ConfigError(
            f"{name} must look like 10/minute (second, minute, hour, day) or 0 for off, "
            f"not {value!r}"
        )
    return rate


def rate_normalised(value: str) -> str | None:
    """``value`` as ``<count>/<unit>``, or None when it is not a rate. ``0`` is off."""
    count, slash, unit = (part.strip() for part in value.strip().lower().partition("/"))
    unit = unit.removesuffix("s")
    if not count.isdigit():
        return None
    if int(count) == 0 and (not slash or unit in RATE_PERIODS):
        return "0/minute" if not slash else f"0/{unit}"
    if unit not in RATE_PERIODS:
        return None
    return f"{int(count)}/{unit}"


def env_list(name: str, default: list[str], *, separator: str = ",") -> list[str]:
    """The items of NAME split on ``separator`` (";" where items hold commas, as LDAP DNs do)."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(separator) if item.strip()]


def require_together(switch: str, needed: dict[str, object]) -> None:
    """Refuse to start when ``switch`` turned a feature on but a setting it needs is empty,
    naming every one missing."""
    missing = [name for name, value in needed.items() if not value]
    if missing:
        raise ConfigError(f"{switch} is set, so set {', '.join(missing)} too")


def env_secret(name: str, *, data_dir: Path, filename: str) -> str:
    """Return the secret from NAME, NAME_FILE, or a generated file in ``data_dir``."""
    return env_optional_secret(name) or _stored_secret(data_dir / filename)


def env_optional_secret(name: str) -> str:
    """The secret from NAME or from the file NAME_FILE names; empty when neither is set."""
    value = os.environ.get(name)
    if value:
        return value
    path_from_env = os.environ.get(f"{name}_FILE")
    if not path_from_env:
        return ""
    try:
        value = Path(path_from_env).read_text().strip()
    except OSError as exc:
        raise ConfigError(f"{name}_FILE points at an unreadable file: {exc}") from None
    if not value:
        raise ConfigError(f"{name}_FILE points at an empty file")
    return value


def _stored_secret(path: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        return path.read_text().strip()
    # Write a complete temporary file, then hard-link it into place: link() fails if the name
    # exists, so when two processes start at once exactly one secret wins and nobody reads a
    # half-written file.
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_urlsafe(48) + "\n")
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        tmp.unlink()
    return path.read_text().strip()
