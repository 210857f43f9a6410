"""Two-factor authentication's use cases: enrolment, codes (no replay), recovery codes, the
secret at rest, turning it off, new codes, and the per-account limit on wrong codes."""

from __future__ import annotations

import pyotp
import pytest
from django.test import override_settings

from frontdesk.accounts import two_factor
from frontdesk.accounts.models import (
    RecoveryCode,
    SessionEvent,
    SessionEventKind,
    TwoFactor,
    User,
)
from frontdesk.accounts.sessions import ClientInfo
from frontdesk.core.errors import InvalidInput, NotAllowed, RateLimited
from tests.conftest import PASSWORD, Clock

CLIENT = ClientInfo(ip="198.51.100.9", user_agent="test")
STEP = 30


def code_now(secret: str, clock: Clock, offset: int = 0) -> str:
    return pyotp.TOTP(secret).at(clock.current, counter_offset=offset)


def enrol(user: User, clock: Clock) -> tuple[str, list[str]]:
    """Two-factor on for ``user``, with the first code of the current step; the clock then
    moves to the next step, so that a fresh code exists."""
    enrolment = two_factor.two_factor_enrol_start(user=user)
    codes = two_factor.two_factor_enrol_confirm(
        user=user, code=code_now(enrolment.secret, clock), client=CLIENT
    )
    clock.advance(STEP)
    return enrolment.secret, codes


def kinds(user: User) -> list[str]:
    return list(SessionEvent.objects.filter(user=user).values_list("kind", flat=True))


# --- enrolment ----------------------------------------------------------------------------


def test_enrolment_gives_a_secret_a_uri_and_a_qr_code(customer: User) -> None:
    enrolment = two_factor.two_factor_enrol_start(user=customer)
    assert enrolment.uri.startswith("otpauth://totp/Frontdesk:John?secret=")
    assert enrolment.secret in enrolment.uri
    assert enrolment.qr_svg.startswith("<svg") and "http" not in enrolment.qr_svg.split(">")[0]
    # Reloading the page keeps the secret a phone may already have scanned.
    assert two_factor.two_factor_enrol_start(user=customer).secret == enrolment.secret
    assert not two_factor.two_factor_is_on(customer)


def test_the_secret_is_not_stored_as_it_is(customer: User, settings: object) -> None:
    enrolment = two_factor.two_factor_enrol_start(user=customer)
    stored = TwoFactor.objects.get(user=customer).secret_sealed
    assert enrolment.secret not in stored
    assert two_factor.secret_open(stored) == enrolment.secret
    with override_settings(SECRET_KEY="another key" * 5, SECRET_KEY_FALLBACKS=[]):
        assert two_factor.secret_open(stored) is None
    with override_settings(
        SECRET_KEY="another key" * 5, SECRET_KEY_FALLBACKS=["x", *[settings.SECRET_KEY]]
    ):  # type: ignore[attr-defined]
        assert two_factor.secret_open(stored) == enrolment.secret


def test_a_wrong_first_code_is_refused_and_audited(customer: User, clock: Clock) -> None:
    enrolment = two_factor.two_factor_enrol_start(user=customer)
    wrong = f"{(int(code_now(enrolment.secret, clock)) + 1) % 1_000_000:06d}"
    with pytest.raises(InvalidInput) as refused:
        two_factor.two_factor_enrol_confirm(user=customer, code=wrong, client=CLIENT)
    assert refused.value.field == "code"
    assert not two_factor.two_factor_is_on(customer)
    assert RecoveryCode.objects.count() == 0
    assert kinds(customer) == [SessionEventKind.TWO_FACTOR_FAILED]


def test_the_right_first_code_turns_it_on_with_ten_recovery_codes(
    customer: User, clock: Clock
) -> None:
    _, codes = enrol(customer, clock)
    assert two_factor.two_factor_is_on(customer)
    assert len(codes) == 10 and len(set(codes)) == 10
    stored = set(RecoveryCode.objects.values_list("code_hash", flat=True))
    assert len(stored) == 10 and not any(code in stored for code in codes)  # hashed only
    assert kinds(customer) == [SessionEventKind.TWO_FACTOR_ENROLLED]
    with pytest.raises(InvalidInput, match="already on"):
        two_factor.two_factor_enrol_start(user=customer)


# --- verification -------------------------------------------------------------------------


def test_a_code_of_now_or_one_step_either_side_is_accepted(customer: User, clock: Clock) -> None:
    secret, _ = enrol(customer, clock)
    clock.advance(STEP)  # the step before is then not the one enrolment used
    assert (
        two_factor.two_factor_verify(user=customer, code=code_now(secret, clock, -1), client=CLIENT)
        == "totp"
    )
    assert (
        two_factor.two_factor_verify(user=customer, code=code_now(secret, clock), client=CLIENT)
        == "totp"
    )
    spaced = code_now(secret, clock, 1)
    assert (
        two_factor.two_factor_verify(
            user=customer, code=f"{spaced[:3]} {spaced[3:]}", client=CLIENT
        )
        == "totp"
    )


def test_a_code_two_steps_away_is_refused(customer: User, clock: Clock) -> None:
    secret, _ = enrol(customer, clock)
    for offset in (-2, 2):
        with pytest.raises(InvalidInput):
            two_factor.two_factor_verify(
                user=customer, code=code_now(secret, clock, offset), client=CLIENT
            )


def test_a_code_is_never_accepted_twice(customer: User, clock: Clock) -> None:
    secret, _ = enrol(customer, clock)
    code = code_now(secret, clock)
    two_factor.two_factor_verify(user=customer, code=code, client=CLIENT)
    with pytest.raises(InvalidInput):
        two_factor.two_factor_verify(user=customer, code=code, client=CLIENT)
    # Nor an older step's code once a newer one was used, even within the window.
    clock.advance(STEP)
    with pytest.raises(InvalidInput):
        two_factor.two_factor_verify(user=customer, code=code_now(secret, clock, -1), client=CLIENT)
    assert kinds(customer).count(SessionEventKind.TWO_FACTOR_FAILED) == 2


def test_the_enrolment_code_cannot_sign_in_again(customer: User, clock: Clock) -> None:
    enrolment = two_factor.two_factor_enrol_start(user=customer)
    code = code_now(enrolment.secret, clock)
    two_factor.two_factor_enrol_confirm(user=customer, code=code, client=CLIENT)
    with pytest.raises(InvalidInput):
        two_factor.two_factor_verify(user=customer, code=code, client=CLIENT)


def test_a_recovery_code_works_once_and_is_audited(customer: User, clock: Clock) -> None:
    _, codes = enrol(customer, clock)
    assert (
        two_factor.two_factor_verify(user=customer, code=codes[0].upper(), client=CLIENT)
        == "recovery"
    )
    assert two_factor.recovery_codes_left(customer) == 9
    with pytest.raises(InvalidInput):
        two_factor.two_factor_verify(user=customer, code=codes[0], client=CLIENT)
    assert SessionEventKind.RECOVERY_CODE_USED in kinds(customer)


def test_another_users_recovery_code_does_not_work(
    customer: User, other_customer: User, clock: Clock
) -> None:
    _, codes = enrol(customer, clock)
    enrol(other_customer, clock)
    with pytest.raises(InvalidInput):
        two_factor.two_factor_verify(user=other_customer, code=codes[0], client=CLIENT)


@pytest.mark.parametrize("code", ["", "   ", "x" * 65, "12\x0034"])
def test_no_code_or_garbage_is_a_clear_error(customer: User, clock: Clock, code: str) -> None:
    enrol(customer, clock)
    with pytest.raises(InvalidInput):
        two_factor.two_factor_verify(user=customer, code=code, client=CLIENT)


@pytest.mark.limits
def test_wrong_codes_are_limited_per_account(customer: User, clock: Clock) -> None:
    secret, _ = enrol(customer, clock)
    for _ in range(10):
        with pytest.raises(InvalidInput):
            two_factor.two_factor_verify(user=customer, code="000000", client=CLIENT)
    with pytest.raises(RateLimited, match="Too many wrong codes") as limited:
        two_factor.two_factor_verify(user=customer, code=code_now(secret, clock), client=CLIENT)
    assert limited.value.retry_after > 0
    # From another address too: the limit is the account's.
    with pytest.raises(RateLimited):
        two_factor.two_factor_verify(
            user=customer, code=code_now(secret, clock), client=ClientInfo(ip="203.0.113.5")
        )


@pytest.mark.limits
def test_right_codes_do_not_count_against_the_limit(customer: User, clock: Clock) -> None:
    secret, _ = enrol(customer, clock)
    for _ in range(12):
        two_factor.two_factor_verify(user=customer, code=code_now(secret, clock), client=CLIENT)
        clock.advance(STEP)


# --- turning off, new codes ---------------------------------------------------------------


def test_turning_off_needs_the_password_or_a_code(customer: User, clock: Clock) -> None:
    secret, _ = enrol(customer, clock)
    with pytest.raises(InvalidInput):
        two_factor.two_factor_disable(user=customer, client=CLIENT)
    with pytest.raises(NotAllowed):
        two_factor.two_factor_disable(user=customer, password="wrong password", client=CLIENT)
    with pytest.raises(InvalidInput):
        two_factor.two_factor_disable(user=customer, code="000000", client=CLIENT)
    assert two_factor.two_factor_is_on(customer)
    two_factor.two_factor_disable(user=customer, code=code_now(secret, clock), client=CLIENT)
    assert not two_factor.two_factor_is_on(customer)
    assert not TwoFactor.objects.exists() and not RecoveryCode.objects.exists()
    assert SessionEventKind.TWO_FACTOR_DISABLED in kinds(customer)


def test_new_recovery_codes_replace_the_old_ones(customer: User, clock: Clock) -> None:
    _, old = enrol(customer, clock)
    with pytest.raises(NotAllowed):
        two_factor.recovery_codes_regenerate(user=customer, password="nope", client=CLIENT)
    new = two_factor.recovery_codes_regenerate(user=customer, password=PASSWORD, client=CLIENT)
    assert len(new) == 10 and not set(new) & set(old)
    with pytest.raises(InvalidInput):
        two_factor.two_factor_verify(user=customer, code=old[1], client=CLIENT)
    assert two_factor.two_factor_verify(user=customer, code=new[1], client=CLIENT) == "recovery"
