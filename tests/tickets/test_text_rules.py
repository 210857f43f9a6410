"""The domain's rules on a title and a message (tickets/validators.py): real text is
welcome, what would hide or garble it is refused. And the SupportMe face's narrower rules
(supportme/rules.py) accept nothing the domain refuses, so that face never answers with
words other than the seed's."""

from __future__ import annotations

import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from frontdesk.core.errors import InvalidInput
from frontdesk.core.text import BIDI_CONTROLS, with_unix_line_breaks
from frontdesk.supportme import rules
from frontdesk.tickets import validators

QUICK = settings(max_examples=200, deadline=None, database=None)

# Printable text on one line: letters, marks, numbers, punctuation, symbols, spaces.
printable = st.characters(
    categories=["L", "M", "N", "P", "S", "Zs"],
    exclude_characters="".join(BIDI_CONTROLS),
)
controls = st.sampled_from(
    [chr(c) for c in range(0x20)] + ["\x7f", "\x85", "\x9b", "\u2028", "\u2029"]
)
bidi = st.sampled_from(sorted(BIDI_CONTROLS))


def refusal(check: object, value: str) -> str:
    with pytest.raises(InvalidInput) as caught:
        check(value)  # type: ignore[operator]
    return caught.value.message


@pytest.mark.parametrize(
    "title",
    [
        "Can't book Friday's class?",
        "Refund for 10-class pass \u2013 €80",
        "Ünïcödé café ☕ — 京都 студия",
        "x",
        "🎉" * 200,
        "مرحبا، لا أستطيع الحجز",  # Arabic, right to left, needs no override
    ],
)
def test_real_titles_are_welcome(title: str) -> None:
    assert validators.clean_title(title) == title


@QUICK
@given(st.text(alphabet=printable, min_size=1, max_size=200).filter(str.strip))
def test_printable_titles_up_to_200_pass_trimmed(title: str) -> None:
    assert validators.clean_title(f"  {title}\t") == title.strip()


@QUICK
@given(
    st.text(alphabet=printable, min_size=201, max_size=400).filter(lambda t: len(t.strip()) > 200)
)
def test_titles_over_200_fail(title: str) -> None:
    assert refusal(validators.clean_title, title).startswith(
        "A title can be at most 200 characters"
    )


@QUICK
@given(
    st.text(alphabet=printable, max_size=50),
    st.one_of(controls, bidi),
    st.text(alphabet=printable, min_size=1, max_size=50),
)
def test_control_and_bidi_characters_inside_a_title_fail(before: str, bad: str, after: str) -> None:
    title = f"A{before}{bad}{after}Z"
    assert refusal(validators.clean_title, title).startswith(
        "A title can't contain line breaks, control characters or text-direction overrides"
    )


@QUICK
@given(st.text(alphabet=" \t\n\r\u3000", max_size=20))
def test_blank_titles_fail(blank: str) -> None:
    assert refusal(validators.clean_title, blank) == "Give the ticket a title."


storable = st.characters(exclude_categories=["Cs", "Cc"]) | st.sampled_from("\t\n\r")


@QUICK
@given(st.text(alphabet=storable, min_size=1, max_size=3000).filter(str.strip))
def test_storable_messages_pass(body: str) -> None:
    validators.check_message(body)


def test_a_message_may_be_65536_characters_counting_a_line_break_as_one() -> None:
    validators.check_message("x" * 65_536)
    validators.check_message("é" * 65_534 + "\r\n" + "z")  # 65,536 once \r\n is one break
    assert refusal(validators.check_message, "x" * 65_537) == (
        "A message can be at most 65,536 characters; this one has 65,537."
    )


@QUICK
@given(st.sampled_from([*"\x00\x01\x08\x0b\x0c\x1b\x7f", "\ud800"]))
def test_unstorable_messages_fail(bad: str) -> None:
    assert refusal(validators.check_message, f"Hello {bad} there") == (
        "The message contains control characters that cannot be stored."
    )


@QUICK
@given(st.text(alphabet=" \t\n\r", max_size=20))
def test_blank_messages_fail(blank: str) -> None:
    assert refusal(validators.check_message, blank) == "Write a message: it can't be empty."


def test_line_breaks_are_read_as_newlines() -> None:
    assert with_unix_line_breaks("a\r\nb\rc\nd\r\n\r\n") == "a\nb\nc\nd\n\n"


# --- the SupportMe face asks for less than the domain allows ------------------------------

seed_title = st.text(
    alphabet=string.ascii_letters + string.digits + " äß京", min_size=8, max_size=64
)


@QUICK
@given(seed_title.filter(str.strip))
def test_every_title_the_seed_accepts_the_domain_accepts(title: str) -> None:
    rules.check_title(title)
    validators.clean_title(title)


@QUICK
@given(st.text(alphabet=storable, min_size=8, max_size=512).filter(str.strip))
def test_every_message_the_seed_accepts_the_domain_accepts(body: str) -> None:
    rules.check_message(body)
    validators.check_message(body)


@pytest.mark.parametrize(
    ("title", "text"),
    [
        ("Can't book Friday's class?", "Ticket title can only contain spaces and alphanumeric"),
        (
            "Refund for 10-class pass \u2013 €80",
            "Ticket title can only contain spaces and alphanumeric",
        ),
        ("Short", "Ticket title must be at least 8 characters - be descriptive."),
    ],
)
def test_the_seed_rules_still_refuse_at_their_face(title: str, text: str) -> None:
    assert refusal(rules.check_title, title).startswith(text)
    assert refusal(rules.check_message, "x" * 527) == (
        "Message length cannot be more than 512 characters."
    )
