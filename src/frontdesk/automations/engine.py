"""Running the rules, in the worker: on an event (automations/signals.py queues it after the
change commits) and, for rules on passing time, in a sweep every few minutes.

Rules for the event run in their order, each seeing what the earlier ones changed. A rule whose
conditions hold does its actions through the ticket use cases (tickets/services.py, and
replies/services.py for a saved reply) as System acting for the rule (models.RuleActor), so
each change leaves its history row and its live event like a person's; an action that is
refused is written in the log with why, and the others still run. Every firing is a RuleRun.

The loop guard: the changes a rule makes are made inside :func:`acting_for` with the chain of
rules that led to them, and the events they cause are queued with that chain; a rule in the
chain is skipped, and a chain stops at CHAIN_MAX rules. A time rule fires once per ticket and
instant its hours count from (RuleRun's unique window), so it fires again only when that instant
moves (the customer replied again, the ticket left Pending and came back).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import BooleanField, Case, Exists, OuterRef, Q, Value, When
from django.utils.translation import gettext_noop

from frontdesk.accounts.models import SYSTEM_USER_ID
from frontdesk.automations import schema
from frontdesk.automations.models import Event, Match, Rule, RuleActor, RuleRun
from frontdesk.core import clock
from frontdesk.core.errors import DomainError, InvalidInput
from frontdesk.fields.services import ticket_fields_set
from frontdesk.notifications import kinds
from frontdesk.notifications.rules import Notice, notify
from frontdesk.replies import placeholders
from frontdesk.replies.services import saved_reply_send
from frontdesk.teams.services import ticket_set_team
from frontdesk.tickets import services
from frontdesk.tickets.models import Message, Status, Ticket, TicketEvent
from frontdesk.webhooks.services import webhook_send_for_rule

logger = logging.getLogger(__name__)

CHAIN_MAX = 5  # rules in a row, each set off by the one before
SWEEP_BATCH = 200  # tickets per time rule and sweep

_chain: ContextVar[tuple[int, ...] | None] = ContextVar("automation_chain", default=None)


def current_chain() -> tuple[int, ...]:
    """The rules whose actions are being done now (empty: a person's or System's change)."""
    return _chain.get() or ()


@contextmanager
def acting_for(chain: tuple[int, ...]) -> Iterator[None]:
    token = _chain.set(chain)
    try:
        yield
    finally:
        _chain.reset(token)


def rule_actor() -> RuleActor:
    actor = RuleActor.objects.get(pk=SYSTEM_USER_ID)
    assert isinstance(actor, RuleActor)
    return actor


# --- evaluating -------------------------------------------------------------------------------


def conditions_holding(rule: Rule, ticket_id: int, moment: datetime) -> list[str] | None:
    """The rule's conditions that hold for the ticket, in words, if the rule matches (all or
    any of them); None if it does not, or the ticket is gone. One query, and one per custom
    field condition (its definition)."""
    held = _holding(rule, ticket_id, moment)
    if held is None:
        return None
    names = schema.names_for([rule])
    return [schema.condition_words(condition, names) for condition in held]


def _holding(rule: Rule, ticket_id: int, moment: datetime) -> list[dict[str, Any]] | None:
    query = Ticket.objects.filter(pk=ticket_id)
    if not rule.conditions:
        return [] if query.exists() else None
    checks = {
        f"c{number}": Case(
            When(schema.condition_query(condition, moment), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
        for number, condition in enumerate(rule.conditions)
    }
    row = query.annotate(**checks).values(*checks).first()
    if row is None:
        return None
    held = [c for number, c in enumerate(rule.conditions) if row[f"c{number}"]]
    matches = bool(held) if rule.match == Match.ANY else len(held) == len(rule.conditions)
    if not matches:
        return None
    return held


def rules_evaluate(
    *, ticket_id: int, event: str, chain: tuple[int, ...] = (), message_id: int | None = None
) -> list[RuleRun]:
    """Run the active rules for ``event`` on the ticket, in order; the rules in ``chain`` (whose
    changes caused the event) are skipped. Returns the firings."""
    if len(chain) >= CHAIN_MAX:
        logger.warning(
            "Rules chain %s stopped at %s rules on ticket %s", chain, CHAIN_MAX, ticket_id
        )
        return []
    if event == Event.CUSTOMER_REPLIED and message_id is not None and _opening(message_id):
        return []  # the message a ticket is opened with is "ticket created"
    runs = []
    for rule in Rule.objects.filter(active=True, event=event).order_by("position", "id"):
        if rule.pk in chain:
            continue
        run = rule_fire(rule, ticket_id=ticket_id, event=event, chain=chain)
        if run is not None:
            runs.append(run)
    return runs


def _opening(message_id: int) -> bool:
    message = Message.objects.filter(pk=message_id).values("ticket_id").first()
    if message is None:
        return True
    earlier = Message.objects.filter(ticket_id=message["ticket_id"], pk__lt=message_id)
    return not earlier.exists()


def rule_fire(
    rule: Rule,
    *,
    ticket_id: int,
    event: str,
    chain: tuple[int, ...] = (),
    window_at: datetime | None = None,
) -> RuleRun | None:
    """Fire ``rule`` on the ticket if its conditions hold now: do its actions and log it. With
    ``window_at`` (a time rule) at most once per ticket and window. None: it did not fire."""
    held = _holding(rule, ticket_id, clock.now())
    if held is None:
        return None
    names = schema.names_for([rule])
    facts: dict[str, Any] = {"names": names, "matched": held, "done": [], "errors": []}
    run = RuleRun(
        rule=rule,
        rule_name=rule.name,
        ticket_id=ticket_id,
        event=event,
        matched=[schema.condition_words(condition, names) for condition in held],
        chain=list(chain),
        window_at=window_at,
        facts=facts,
    )
    with transaction.atomic():
        try:
            with transaction.atomic():
                run.save()
        except IntegrityError:
            return None  # fired in this window already, or the ticket is gone
        run.done, run.errors = _act(rule, ticket_id, (*chain, rule.pk), facts)
        run.save(update_fields=["done", "errors", "facts"])
    return run


def _act(
    rule: Rule, ticket_id: int, chain: tuple[int, ...], facts: dict[str, Any]
) -> tuple[list[str], list[str]]:
    """Do the rule's actions: their log in English, and the same as ``facts``."""
    actor = rule_actor()
    names = facts["names"]
    done: list[str] = []
    errors: list[str] = []
    with acting_for(chain):
        for action in rule.actions:
            words = schema.action_words(action, names)
            try:
                with transaction.atomic():
                    changed = runner(action["action"])(actor, ticket_id, action["value"], rule)
            except DomainError as exc:
                errors.append(f"{words}: {exc.message}")
                facts["errors"].append({"action": action, **schema.error_facts(exc)})
            else:
                done.append(words if changed else f"{words} (already so)")
                facts["done"].append({"action": action, "already": not changed})
    return done, errors


# --- the actions, each through its use case ---------------------------------------------------


def _ticket(ticket_id: int) -> Ticket:
    return Ticket.objects.get(pk=ticket_id)


def _set_status(actor: RuleActor, ticket_id: int, value: Any, rule: Rule) -> bool:
    if _ticket(ticket_id).status == value:
        return False
    services.ticket_change_status(actor=actor, ticket_id=ticket_id, status=value)
    return True


def _set_detail(name: str) -> Callable[[RuleActor, int, Any, Rule], bool]:
    def run(actor: RuleActor, ticket_id: int, value: Any, rule: Rule) -> bool:
        if getattr(_ticket(ticket_id), name) == value:
            return False
        services.ticket_update(actor=actor, ticket_id=ticket_id, changes={name: value})
        return True

    return run


def _assign(actor: RuleActor, ticket_id: int, value: Any, rule: Rule) -> bool:
    if _ticket(ticket_id).assignee_id == value:
        return False
    services.ticket_assign(actor=actor, ticket_id=ticket_id, assignee_id=value)
    return True


def _tags(ticket_id: int) -> list[str]:
    return sorted(_ticket(ticket_id).tags.values_list("name", flat=True))


def _add_tag(actor: RuleActor, ticket_id: int, value: Any, rule: Rule) -> bool:
    tags = _tags(ticket_id)
    if value in tags:
        return False
    services.ticket_update(actor=actor, ticket_id=ticket_id, changes={"tags": [*tags, value]})
    return True


def _remove_tag(actor: RuleActor, ticket_id: int, value: Any, rule: Rule) -> bool:
    tags = _tags(ticket_id)
    if value not in tags:
        return False
    kept = [tag for tag in tags if tag != value]
    services.ticket_update(actor=actor, ticket_id=ticket_id, changes={"tags": kept})
    return True


def _add_note(actor: RuleActor, ticket_id: int, value: Any, rule: Rule) -> bool:
    values = placeholders.Values.of(ticket=_ticket(ticket_id), agent=actor)
    text = placeholders.render(str(value), values)
    services.message_post(actor=actor, ticket_id=ticket_id, body=text, internal=True)
    return True


def _send_reply(actor: RuleActor, ticket_id: int, value: Any, rule: Rule) -> bool:
    saved_reply_send(actor=actor, ticket_id=ticket_id, reply_id=int(value))
    return True


def _notify(actor: RuleActor, ticket_id: int, value: Any, rule: Rule) -> bool:
    ticket = _ticket(ticket_id)
    recipient = ticket.assignee_id if value == schema.ASSIGNEE else int(value)
    if recipient is None:
        raise InvalidInput(gettext_noop("nobody has the ticket to be told."))
    text = f"The rule “{rule.name}” matched {ticket.number}."
    notice = Notice(
        kind=kinds.RULE_NOTICE,
        recipient_id=recipient,
        data={
            "headline": f"Rule “{rule.name}”",
            "text": text,
            "rule": rule.pk,
            "rule_name": rule.name,  # the mail says it in its recipient's language
        },
    )
    notify(ticket, SYSTEM_USER_ID, [notice])
    return True


Runner = Callable[[RuleActor, int, Any, Rule], bool]


def _set_team(actor: RuleActor, ticket_id: int, value: Any, rule: Rule) -> bool:
    """Move the ticket (teams/services.py): routing follows as for a person's move."""
    team_id = None if value == schema.NO_TEAM else int(value)
    if _ticket(ticket_id).team_id == team_id:
        return False
    ticket_set_team(actor=actor, ticket_id=ticket_id, team_id=team_id)
    return True


def _set_field(key: str) -> Runner:
    def run(actor: RuleActor, ticket_id: int, value: Any, rule: Rule) -> bool:
        changes = TicketEvent.objects.filter(
            ticket_id=ticket_id, field=TicketEvent.Field.CUSTOM_FIELD
        )
        before = changes.count()
        ticket_fields_set(actor=actor, ticket_id=ticket_id, values={key: value})
        return changes.count() > before

    return run


def _send_webhook(actor: RuleActor, ticket_id: int, value: Any, rule: Rule) -> bool:
    """Post the ticket to the webhook (``rule.matched``), sent by the worker after commit."""
    webhook_send_for_rule(
        webhook_id=int(value), ticket_id=ticket_id, rule_id=rule.pk, name=rule.name
    )
    return True


def runner(action: str) -> Runner:
    """What does ``action``: one of RUNNERS, or setting a custom field (``set_field:<key>``)."""
    key = schema.custom_key(action, schema.CUSTOM_ACTION)
    return RUNNERS[action] if key is None else _set_field(key)


RUNNERS: dict[str, Runner] = {
    "set_status": _set_status,
    "set_priority": _set_detail("priority"),
    "set_category": _set_detail("category"),
    "assign": _assign,
    "unassign": lambda actor, ticket_id, value, rule: _assign(actor, ticket_id, None, rule),
    "add_tag": _add_tag,
    "remove_tag": _remove_tag,
    "add_note": _add_note,
    "send_reply": _send_reply,
    "notify": _notify,
    "set_team": _set_team,
    "send_webhook": _send_webhook,
}


# --- passing time -----------------------------------------------------------------------------


def time_candidates(rule: Rule, moment: datetime) -> Any:
    """The tickets (not closed) a time rule would fire on now, with the instant their window
    starts (``rule_window``), leaving out those it fired on in that window."""
    window = schema.window_expression(rule.conditions)
    query = Ticket.objects.exclude(status=Status.CLOSED).filter(
        schema.rule_query(rule.conditions, rule.match, moment)
    )
    if window is None:
        return query.none()
    fired = RuleRun.objects.filter(
        rule_id=rule.pk, ticket_id=OuterRef("pk"), window_at=OuterRef("rule_window")
    )
    return query.annotate(rule_window=window).filter(~Q(Exists(fired)))


def rules_sweep() -> int:
    """Fire the active time rules on the tickets whose hours have come, once per window.
    Returns how many firings."""
    moment = clock.now()
    fired = 0
    for rule in Rule.objects.filter(active=True, event=Event.TIME).order_by("position", "id"):
        found = time_candidates(rule, moment).order_by("pk").values_list("pk", "rule_window")
        for ticket_id, window_at in list(found[:SWEEP_BATCH]):
            run = rule_fire(rule, ticket_id=ticket_id, event=Event.TIME, window_at=window_at)
            fired += run is not None
    return fired
