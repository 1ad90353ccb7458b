"""A listening socket of its own for each ``muster web --workers`` process, balanced by the kernel.

uvicorn's supervisor binds one socket and hands it to every worker process. Its workers then
race to accept on it, and on a busy machine the first one awake takes every connection that is
waiting: measured with the intake bench's 4 keep-alive connections and 4 processes, half the
runs had all 4 on one process, which then did the work of four on one core. Alertmanager and
Prometheus keep their few connections open for minutes, so such a split lasts.

With ``SO_REUSEPORT`` each process listens on a socket of its own on the same address, and Linux
spreads new connections over them by a hash of the client's address and port. The supervisor
still starts, watches and restarts the processes: it is handed a :class:`ReusePortListener`,
which is not a bound socket but the recipe for one, made anew in each process it starts
(:meth:`ReusePortListener.__reduce__`). Elsewhere (macOS keeps sending every connection to one
socket of a group; a port of 0 would give each process a different one) the shared socket
stays.
"""

from __future__ import annotations

import os
import socket
import sys
from typing import Any, ClassVar

BACKLOG = 2048  # uvicorn's default


def balanced(port: int) -> bool:
    """Whether the processes on ``port`` can each have a socket of their own, spread by the
    kernel."""
    return sys.platform == "linux" and hasattr(socket, "SO_REUSEPORT") and port != 0


TCP = socket.IPPROTO_TCP
"""Named, not left 0: a connection accepted on the listener takes its protocol number, and
asyncio's event loop sets ``TCP_NODELAY`` only on sockets that say TCP. Without it each answer
waited for the client's delayed ACK, 40 ms a request (9,000 alerts/s instead of 60,000)."""


def reuse_port_socket(
    host: str, port: int, backlog: int = BACKLOG, listen: bool = True
) -> socket.socket:
    """A socket on ``host:port`` in the port's ``SO_REUSEPORT`` group (listening unless told
    not to: one that only checks the address must never take a connection)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
        if listen:
            sock.listen(backlog)
    except OSError:
        sock.close()
        raise
    return sock


def check_address(host: str, port: int) -> None:
    """Fail now, in the supervisor, when the address is taken by a socket outside the group
    (each process would fail to bind and be restarted, forever)."""
    reuse_port_socket(host, port, listen=False).close()


class ReusePortListener(socket.socket):
    """What the supervisor passes each process for its listening socket. In the supervisor it is
    an unbound socket, never used. A spawned process unpickles it as its own socket, bound and
    listening in the group (:meth:`__reduce__`); a forked process inherits the unbound one and
    makes it its own with :meth:`own_in_this_process` before serving."""

    made: ClassVar[list[ReusePortListener]] = []  # in the process that made them (the supervisor)

    def __init__(self, host: str, port: int, backlog: int = BACKLOG) -> None:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        super().__init__(family, socket.SOCK_STREAM, TCP)
        self.address = (host, port, backlog)
        ReusePortListener.made.append(self)

    def __reduce__(self) -> tuple[Any, ...]:
        return (reuse_port_socket, self.address)

    @classmethod
    def own_in_this_process(cls) -> None:
        """In a process forked from the supervisor: each listener's file descriptor becomes a
        socket of this process's own, bound and listening in the group (the inherited one is
        the supervisor's, shared by every fork; a spawned process has none to change)."""
        for listener in cls.made:
            own = reuse_port_socket(*listener.address)
            os.dup2(own.fileno(), listener.fileno())
            own.close()
        cls.made.clear()
