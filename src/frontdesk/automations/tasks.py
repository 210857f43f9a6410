"""Background jobs of the automations app (run by `frontdesk worker`)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from frontdesk.automations import engine


# No retries: the rules that ran are committed, and a retry would fire them again.
@db_task()
def rules_run(ticket_id: int, event: str, chain: list[int], message_id: int | None) -> int:
    runs = engine.rules_evaluate(
        ticket_id=ticket_id, event=event, chain=tuple(chain), message_id=message_id
    )
    return len(runs)


@db_periodic_task(crontab(minute="*/5"))
def rules_sweep() -> int:
    """Rules on passing time, every five minutes (a window fires once: engine.rules_sweep)."""
    return engine.rules_sweep()
