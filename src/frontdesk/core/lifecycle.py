"""Processes that stop together: what ``frontdesk serve`` starts dies with it.

``serve`` names itself in ``FRONTDESK_PARENT_PID``; a child it started (the job worker, the
live endpoint, a web worker) asks the kernel for a signal when that parent dies
(``PR_SET_PDEATHSIG``), so killing only the main process (``kill -9``, an OOM kill) never
leaves children serving the port beside a new ``serve``. Linux only; elsewhere nothing.

And ``serve`` refuses to start on a port something already listens on (:func:`port_taken`):
granian binds with ``SO_REUSEPORT``, so a second server on the same port would start without
complaint and share the connections with the first."""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import sys

from django.db import connections

PARENT_PID = "FRONTDESK_PARENT_PID"
_PR_SET_PDEATHSIG = 1


def name_this_process_the_parent() -> None:
    os.environ[PARENT_PID] = str(os.getpid())


def die_with_parent(death_signal: int = signal.SIGTERM) -> None:
    """If ``serve`` started this process, ask for ``death_signal`` when it dies; then name this
    process the parent of its own children. A parent already gone means exit now."""
    parent = os.environ.get(PARENT_PID)
    if not parent or not sys.platform.startswith("linux"):
        return
    if int(parent) != os.getppid():
        return  # started by someone else (a grandchild of serve, a shell): not ours to tie
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, int(death_signal), 0, 0, 0)
    if os.getppid() != int(parent):  # it died between the check and the prctl
        os._exit(1)
    name_this_process_the_parent()


PORT_TAKEN = (
    "Port {port} on {host} is already in use (another `frontdesk serve`?): stop it, or "
    "choose another port with --port."
)


def port_taken(host: str, port: int) -> bool:
    """Whether a server already listens on ``host:port``: a trial bind without
    ``SO_REUSEPORT`` fails beside any listener. ``SO_REUSEADDR`` lets it pass over connections
    of a server that just stopped (TIME_WAIT), so a restart is not refused."""
    for family, kind, proto, _, address in socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    ):
        with socket.socket(family, kind, proto) as trial:
            trial.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                trial.bind(address)
            except OSError:
                return True
    return False


def database_connections_close() -> None:
    """Close every database connection this process opened, pools included, before it forks
    (granian's workers, the reports' counting processes): a connection shared by two processes
    mixes their conversations (measured: on PostgreSQL, writes acknowledged with another row's
    id). Each child opens its own."""
    for connection in connections.all(initialized_only=True):
        connection.close()
        if hasattr(connection, "close_pool"):
            connection.close_pool()
