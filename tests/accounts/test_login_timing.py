"""A failed sign-in costs the same whether or not the username exists (no enumeration)."""

from __future__ import annotations

import statistics
import time

from django.test import override_settings

from frontdesk.accounts import services
from frontdesk.accounts.models import User

ARGON2 = ["frontdesk.accounts.hashers.Argon2idHasher"]


def _median_seconds(username: str, password: str, runs: int = 7) -> float:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        assert services.user_check_credentials(username=username, password=password) is None
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


@override_settings(PASSWORD_HASHERS=ARGON2)
def test_unknown_user_and_wrong_password_take_about_the_same_time(db: None) -> None:
    User.objects.create_user("John", "john@example.com", "securepassword")
    wrong_password = _median_seconds("John", "not-the-password")
    unknown_user = _median_seconds("Nobody", "not-the-password")
    # Without hashing for unknown users they would be answered ~1000x faster.
    assert wrong_password > 0.002
    # Loose bounds (a loaded CI machine is noisy); the bug they catch is a 1000x gap.
    assert 0.2 < unknown_user / wrong_password < 5.0
