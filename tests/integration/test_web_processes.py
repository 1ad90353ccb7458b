"""``muster web --workers N`` as deployed: each process listens on a socket of its own, so the
kernel spreads connections over all of them — Alertmanager's few long-lived connections never
pile onto one process while the others idle — and a process that dies is replaced by one that
listens too."""

from __future__ import annotations

import http.client
import json
import os
import signal
import sys
from collections import Counter
from contextlib import ExitStack
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.harness.configs import DEMO
from tests.harness.muster_processes import MusterWeb, worker_environment
from tests.harness.peers.common import free_port
from tests.harness.waiting import wait_until

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(sys.platform != "linux", reason="SO_REUSEPORT spreads connections on Linux"),
]

WORKERS = 3
DEMO_TOKEN = "demo-only-token-change-me"  # config/demo.yaml's intake caller
CONNECTIONS = 48  # the chance that one of 3 processes gets none of them: 3 x (2/3)^48, 1e-8


def sockets(port: int, state: str) -> set[int]:
    """The inodes of the TCP sockets on local ``port`` in ``state`` (``0A`` listening, ``01``
    established), from ``/proc/net/tcp``."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == state:
                found.add(int(fields[9]))
    return found


def owners(web: MusterWeb, inodes: set[int]) -> Counter[int]:
    """How many of the sockets ``inodes`` each process of the web's group holds."""
    assert web.process is not None
    held: Counter[int] = Counter()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if os.getpgid(int(entry.name)) != web.process.pid:
                continue
            links = [os.readlink(fd) for fd in (entry / "fd").iterdir()]
        except OSError:  # gone meanwhile
            continue
        for link in links:
            if link.startswith("socket:[") and int(link[8:-1]) in inodes:
                held[int(entry.name)] += 1
    return held


def listeners(web: MusterWeb) -> Counter[int]:
    return owners(web, sockets(web.port, "0A"))


@pytest.fixture
def web(tmp_path: Path) -> MusterWeb:
    config = tmp_path / "routing.yaml"
    config.write_text(DEMO.read_text())
    env = worker_environment(tmp_path, config, None, f"sqlite:///{tmp_path / 'm.db'}", "web")
    return MusterWeb(tmp_path, env, port=free_port(), workers=WORKERS)


def test_each_process_listens_on_its_own_socket_and_connections_reach_all(web: MusterWeb) -> None:
    with ExitStack() as cleanup:
        cleanup.callback(web.stop)
        web.start()
        wait_until(lambda: len(listeners(web)) == WORKERS, timeout=30)
        assert set(listeners(web).values()) == {1}, "one listening socket a process"

        connections = [
            http.client.HTTPConnection("127.0.0.1", web.port) for _ in range(CONNECTIONS)
        ]
        for connection in connections:
            cleanup.callback(connection.close)
            connection.request("GET", "/healthz")
            assert connection.getresponse().read() == b'{"status":"ok"}'
        served = owners(web, sockets(web.port, "01"))
        assert sum(served.values()) == CONNECTIONS
        assert set(served) == set(listeners(web)), f"a process took no connection: {served}"


def test_the_processes_are_forks_of_the_supervisor_sharing_its_imported_code(
    web: MusterWeb,
) -> None:
    """The supervisor imports the app's code once and forks its processes (issue 19, the web's
    memory): each is the supervisor's own command line, not a spawned interpreter that imports
    everything again (``python -c 'from multiprocessing.spawn import spawn_main…'``), and
    serves on a socket of its own."""
    with ExitStack() as cleanup:
        cleanup.callback(web.stop)
        web.start()
        wait_until(lambda: len(listeners(web)) == WORKERS, timeout=30)
        assert web.process is not None
        supervisor = web.process.pid
        processes = set(listeners(web))
        assert supervisor not in processes, "the supervisor serves nothing itself"
        for pid in processes:
            assert command_line(pid) == command_line(supervisor)
            assert parent(pid) == supervisor


def command_line(pid: int) -> bytes:
    return Path(f"/proc/{pid}/cmdline").read_bytes()


def parent(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("PPid:")))


def test_a_killed_process_is_replaced_by_one_listening_on_its_own_socket(web: MusterWeb) -> None:
    with ExitStack() as cleanup:
        cleanup.callback(web.stop)
        web.start()
        wait_until(lambda: len(listeners(web)) == WORKERS, timeout=30)
        victim = next(iter(listeners(web)))
        os.kill(victim, signal.SIGKILL)
        wait_until(lambda: len(listeners(web)) == WORKERS and victim not in listeners(web), 30)
        connection = http.client.HTTPConnection("127.0.0.1", web.port, timeout=5)
        cleanup.callback(connection.close)
        connection.request("GET", "/healthz")
        assert connection.getresponse().status == 200


DECLARATION = {"title": "Checkout down", "impact": "minor", "urgency": "medium", "services": ["x"]}
ACCEPTED = "muster_intake_accepted"
POSTS = 60


def declare(web: MusterWeb) -> None:
    """One declaration on a connection of its own (so the kernel spreads them over processes)."""
    connection = http.client.HTTPConnection("127.0.0.1", web.port, timeout=10)
    try:
        headers = {"Authorization": f"Bearer {DEMO_TOKEN}", "Content-Type": "application/json"}
        connection.request("POST", "/v1/messages/declared", json.dumps(DECLARATION), headers)
        answer = connection.getresponse()
        assert answer.status == 202, answer.read()
    finally:
        connection.close()


def accepted(web: MusterWeb) -> float:
    """What one scrape of ``/metrics`` (on a new connection) says was accepted in all."""
    connection = http.client.HTTPConnection("127.0.0.1", web.port, timeout=10)
    try:
        connection.request("GET", "/metrics")
        text = connection.getresponse().read().decode()
    finally:
        connection.close()
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        if family.name == ACCEPTED
        for sample in family.samples
        if sample.name == f"{ACCEPTED}_total"
    )


def kill_one(web: MusterWeb) -> None:
    """SIGKILL one process of the web; return once its replacement listens."""
    victim = next(iter(listeners(web)))
    os.kill(victim, signal.SIGKILL)
    wait_until(lambda: len(listeners(web)) == WORKERS and victim not in listeners(web), 30)


def test_metrics_count_every_process_s_requests_and_never_go_backwards(web: MusterWeb) -> None:
    """Whichever process a scrape reaches, it answers the sum of all of them, a process killed
    and replaced meanwhile included; a restarted web starts from zero."""
    with ExitStack() as cleanup:
        cleanup.callback(web.stop)
        web.start()
        wait_until(lambda: len(listeners(web)) == WORKERS, timeout=30)
        seen: list[float] = []
        for sent in range(1, POSTS + 1):
            declare(web)
            if sent == POSTS // 2:
                kill_one(web)
            if sent % 5 == 0:
                seen += [accepted(web) for _ in range(4)]
                assert seen[-1] == sent, seen
        assert seen == sorted(seen), f"a counter went backwards: {seen}"
        web.stop()
        web.start()
        wait_until(lambda: len(listeners(web)) == WORKERS, timeout=30)
        assert {accepted(web) for _ in range(6)} == {0}
