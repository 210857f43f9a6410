"""``frontdesk worker``: run background jobs (Huey) until stopped.

Jobs come from Redis when REDIS_URL is set (any number of workers on any hosts), otherwise from
``jobs.sqlite3`` in the data directory (`frontdesk serve` starts one worker beside itself).
Periodic jobs are scheduled by every worker that has them on; they are written to be harmless
when run twice, and ``--no-periodic`` keeps extra workers from scheduling them at all.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.module_loading import autodiscover_modules

from frontdesk.core.env import env_int
from frontdesk.core.memory import return_large_blocks_to_the_system


class Command(BaseCommand):
    help = "Run background jobs (Huey consumer) until stopped."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--threads",
            type=int,
            default=env_int("FRONTDESK_WORKER_THREADS", 2, minimum=1),
            help="jobs run at the same time",
        )
        parser.add_argument(
            "--no-periodic", action="store_true", help="do not schedule periodic jobs here"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from huey import Huey
        from huey.consumer_options import ConsumerConfig
        from huey.contrib.djhuey import HUEY

        assert isinstance(HUEY, Huey)  # settings.HUEY, built by djhuey

        _wait_on_the_queue_longer(HUEY)
        return_large_blocks_to_the_system()
        autodiscover_modules("tasks")  # every app's jobs, as djhuey's run_huey does
        config = ConsumerConfig(
            workers=max(1, options["threads"]),
            worker_type="thread",
            periodic=not options["no_periodic"],
            check_worker_health=True,
            # An idle worker asks the queue for work at least once a second (Huey's default
            # backs off to 10 s): a notification written on a quiet desk would otherwise wait
            # up to that long before it is sent. One cheap read a second is nothing here.
            max_delay=1.0,
        )
        config.validate()
        HUEY.create_consumer(**config.values).run()


def _wait_on_the_queue_longer(huey: object) -> None:
    """App processes give up on Redis after FRONTDESK_REDIS_TIMEOUT_MS (settings); the worker
    waits on the queue with BRPOP for the storage's ``read_timeout``, so its reads may take
    that long plus the same margin before they count as a failure."""
    from django.conf import settings

    storage = getattr(huey, "storage", None)
    read_timeout = getattr(storage, "read_timeout", None)
    pool = getattr(getattr(storage, "conn", None), "connection_pool", None)
    if read_timeout is None or pool is None:
        return  # not Redis
    timeout = read_timeout + settings.FRONTDESK_REDIS_TIMEOUT
    pool.connection_kwargs["socket_timeout"] = timeout
    if "orig_socket_timeout" in pool.connection_kwargs:  # redis-py's relaxed-timeout bookkeeping
        pool.connection_kwargs["orig_socket_timeout"] = timeout
