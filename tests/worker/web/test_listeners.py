"""The listening sockets of ``muster web --workers N``: each answer leaves at once.

asyncio sets ``TCP_NODELAY`` only on a connection whose socket says it is TCP, and an accepted
connection takes its listener's protocol number: a listener made with protocol 0 left Nagle on,
and every answer on a kept-alive connection waited for the client's delayed ACK (40 ms).
"""

from __future__ import annotations

import asyncio
import socket

import pytest

from muster.worker.web.listeners import ReusePortListener, balanced, reuse_port_socket
from tests.harness.peers.common import free_port

pytestmark = pytest.mark.skipif(not balanced(1), reason="SO_REUSEPORT groups are Linux's")


def test_the_listeners_say_they_are_tcp() -> None:
    port = free_port()
    listener = ReusePortListener("127.0.0.1", port)
    own = reuse_port_socket("127.0.0.1", port)
    try:
        assert listener.proto == own.proto == socket.IPPROTO_TCP
    finally:
        listener.close()
        own.close()


def test_a_connection_the_event_loop_accepts_on_a_listener_sends_without_delay() -> None:
    async def accepted_nodelay() -> int:
        accepted: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        def connected(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            sock = writer.get_extra_info("socket")
            accepted.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            writer.close()

        listener = reuse_port_socket("127.0.0.1", free_port())
        server = await asyncio.start_server(connected, sock=listener)
        async with server:
            host, port = listener.getsockname()
            _, writer = await asyncio.open_connection(host, port)
            try:
                return await asyncio.wait_for(accepted, 10)
            finally:
                writer.close()

    assert asyncio.run(accepted_nodelay()) == 1
