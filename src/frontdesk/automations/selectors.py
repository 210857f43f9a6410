"""Reading rules, their history and their log. Agents and admins read them (the log says why a
ticket changed); customers never. A ticket's log is read through the one gate."""

from __future__ import annotations

from django.core.cache import cache
from django.db.models import QuerySet
from django.utils.translation import gettext_noop

from frontdesk.accounts.models import User
from frontdesk.automations.models import Rule, RuleChange, RuleRun
from frontdesk.core.compiled import CompiledRead
from frontdesk.core.errors import NotAllowed, NotFound
from frontdesk.core.ids import is_id
from frontdesk.fields.models import FieldDefinition
from frontdesk.tickets import access
from frontdesk.tickets.models import Ticket

STAFF_ONLY = gettext_noop("Automation rules are for agents and admins.")
NOT_FOUND = gettext_noop("There is no such rule.")
RUNS_SHOWN = 50
AWAITED_CACHE_KEY = "frontdesk:rules-awaited-events"
AWAITED_MAX_AGE_SECONDS = 60
RUNS_MAX = 200


def _check_staff(user: User) -> None:
    if not user.is_staff_member:
        raise NotAllowed(STAFF_ONLY)


def rules_list(*, user: User) -> QuerySet[Rule]:
    _check_staff(user)
    return Rule.objects.order_by("position", "id")


def rule_get(*, user: User, rule_id: int) -> Rule:
    _check_staff(user)
    rule = Rule.objects.filter(pk=rule_id).first() if is_id(rule_id) else None
    if rule is None:
        raise NotFound(NOT_FOUND)
    return rule


def rule_runs(*, user: User, rule_id: int, limit: int = RUNS_SHOWN) -> list[RuleRun]:
    """The rule's newest firings, with their tickets."""
    rule = rule_get(user=user, rule_id=rule_id)
    runs = RuleRun.objects.filter(rule=rule).select_related("ticket").order_by("-id")
    return list(runs[: min(max(1, limit), RUNS_MAX)])


def rule_changes(*, user: User, rule_id: int, limit: int = RUNS_SHOWN) -> list[RuleChange]:
    rule = rule_get(user=user, rule_id=rule_id)
    changes = RuleChange.objects.filter(rule=rule).select_related("actor").order_by("-id")
    return list(changes[: min(max(1, limit), RUNS_MAX)])


def ticket_rule_runs(*, user: User, ticket_id: int, limit: int = RUNS_SHOWN) -> list[RuleRun]:
    """The rules that fired on a ticket, newest first: staff only (like the history)."""
    ticket = access.ticket_get(user=user, ticket_id=ticket_id)
    _check_staff(user)
    runs = RuleRun.objects.filter(ticket=ticket).order_by("-id")
    return list(runs[: min(max(1, limit), RUNS_MAX)])


SIDEBAR_SHOWN = 5


def ticket_rule_runs_shown(*, user: User, ticket: Ticket) -> list[RuleRun]:
    """The newest rule firings on a ticket ``user`` has already read through the gate, for the
    sidebar: none for a customer. One query."""
    if not user.is_staff_member:
        return []
    return _runs_on(None, ticket.pk)


def _runs_on_query(shape: None, ticket_id: int) -> QuerySet[RuleRun]:
    return RuleRun.objects.filter(ticket_id=ticket_id).order_by("-id")[:SIDEBAR_SHOWN]


# Read on every agent's ticket page: compiled once (core/compiled.py).
_runs_on = CompiledRead(_runs_on_query)


def rule_form_choices(*, user: User) -> dict[str, list[tuple[str, str]]]:
    """What the rule form offers in its value lists: the agents, the organisations, the
    shared saved replies, the teams and the webhooks that are on (staff only). Five queries."""
    _check_staff(user)
    from frontdesk.accounts.models import STAFF_ROLES, Organisation
    from frontdesk.replies.models import SavedReply
    from frontdesk.teams.models import Team
    from frontdesk.webhooks.models import Webhook

    agents = User.objects.filter(role__in=STAFF_ROLES, is_active=True).order_by("username")
    return {
        "agents": [(str(pk), name) for pk, name in agents.values_list("pk", "username")],
        "organisations": [
            (str(pk), name)
            for pk, name in Organisation.objects.order_by("name").values_list("pk", "name")[:200]
        ],
        "replies": [
            (str(pk), name)
            for pk, name in SavedReply.objects.filter(owner__isnull=True).values_list("pk", "name")
        ],
        "teams": [(str(pk), name) for pk, name in Team.objects.values_list("pk", "name")],
        "webhooks": [
            (str(pk), name)
            for pk, name in Webhook.objects.filter(active=True).values_list("pk", "name")
        ],
    }


def rule_form_fields(*, user: User) -> list[FieldDefinition]:
    """The active custom fields a rule may test and set (staff only). One query."""
    _check_staff(user)
    return list(FieldDefinition.objects.filter(active=True).order_by("position", "id"))


def events_awaited() -> frozenset[str]:
    """The events some active rule waits for. Every change a person makes asks (a reply, a new
    ticket, a status): kept in the cache, dropped when a rule is saved or deleted
    (automations/signals.py), as teams_choosable is; another process with a local-memory cache
    sees a change within a minute."""
    found: frozenset[str] | None = cache.get(AWAITED_CACHE_KEY)
    if found is None:
        events = Rule.objects.filter(active=True).values_list("event", flat=True).distinct()
        found = frozenset(events)
        cache.set(AWAITED_CACHE_KEY, found, AWAITED_MAX_AGE_SECONDS)
    return found
