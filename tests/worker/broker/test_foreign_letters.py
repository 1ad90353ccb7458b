"""Foreign files become dead letters once, with their bytes kept, and recovery never puts them
back: the start-up recovery and the sweeper's prune, on a real database and real folders."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from kombu import Connection
from sqlalchemy import select

from muster.channels.retry import RetryPolicy
from muster.config.settings import Settings
from muster.worker.broker import foreign, foreign_letters, recovery
from muster.worker.broker.transport import transport_options
from muster.worker.cli import cli
from muster.worker.runtime import Runtime
from muster.worker.store.models import DeadLetter
from tests.harness.servers import fresh_queue

pytestmark = pytest.mark.runtime(retry=RetryPolicy())


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The runtime's settings (read when ``rt`` is built) put the broker's files here."""
    monkeypatch.setenv("MUSTER_HOME", str(tmp_path))


def broker(rt: Runtime) -> Path:
    return rt.settings.home_folder / "broker"


def letters(rt: Runtime) -> list[DeadLetter]:
    with rt.database.transaction() as session:
        return list(session.scalars(select(DeadLetter).order_by(DeadLetter.id)))


def in_flight(rt: Runtime, name: str, raw: bytes) -> Path:
    """A file in the in-flight folder, as a worker killed mid-task leaves one (or a hand puts)."""
    folder = broker(rt) / "processed"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(raw)
    return folder / name


def queue_a_message(rt: Runtime) -> str:
    """Queue one real message on the embedded broker and move it into the in-flight folder, as
    the transport does when a worker fetches it (and a kill leaves it there); its file name."""
    options = transport_options("musterfs://", Settings(home=rt.settings.home_folder))
    with Connection("musterfs://", transport_options=options) as connection:
        connection.SimpleQueue(fresh_queue()).put({"title": "Checkout failing"})
    [name] = os.listdir(broker(rt) / "queue")
    shutil.move(broker(rt) / "queue" / name, broker(rt) / "processed" / name)
    return name


def queued(rt: Runtime) -> list[str]:
    folder = broker(rt) / "queue"
    return sorted(os.listdir(folder)) if folder.exists() else []


class TestStartUpRecovery:
    def test_foreign_files_in_flight_are_kept_as_letters_and_never_put_back(
        self, rt: Runtime
    ) -> None:
        """``{}`` in the in-flight folder went back into the queue at every start, and the
        worker died on it each time."""
        message = queue_a_message(rt)
        in_flight(rt, "1_empty.q.msg", b"{}")
        in_flight(rt, "2_binary.q.msg", b"\x00\xff")
        assert recovery.recover(rt) == 1
        assert queued(rt) == [message]
        kept = letters(rt)
        assert [(letter.kind, letter.message_id, letter.reason) for letter in kept] == [
            ("foreign", "1_empty.q.msg", "wrong shape: no properties object"),
            ("foreign", "2_binary.q.msg", "not UTF-8 (byte 0xff at offset 1)"),
        ]
        assert Path(kept[0].payload["kept_at"]).read_bytes() == b"{}"
        assert kept[0].payload["base64"] == "e30="
        assert recovery.recover(rt) == 0, "a second start puts nothing back"
        assert len(letters(rt)) == 2
        assert queued(rt) == [message]

    def test_a_file_set_aside_on_a_disk_error_that_reads_as_a_message_is_queued(
        self, rt: Runtime
    ) -> None:
        """A real alert is paged: what reads as a message after all goes back to the queue."""
        name = queue_a_message(rt)
        (broker(rt) / "rejected").mkdir()
        shutil.move(broker(rt) / "processed" / name, broker(rt) / "rejected" / name)
        recovery.recover(rt)
        assert queued(rt) == [name]
        assert letters(rt) == []


class TestTheSweeper:
    def test_a_file_the_transport_set_aside_is_kept_once(self, rt: Runtime) -> None:
        rejected = broker(rt) / foreign.REJECTED
        rejected.mkdir(parents=True)
        (rejected / "0_x.q.msg").write_bytes(b"[]")
        recovery.prune(rt)
        recovery.prune(rt)
        [letter] = letters(rt)
        assert letter.reason == "wrong shape: a JSON array, not a message object"
        assert os.listdir(rejected) == []
        assert (broker(rt) / foreign.FOREIGN / "0_x.q.msg").read_bytes() == b"[]"

    def test_a_foreign_file_dropped_in_flight_while_running_is_set_aside(self, rt: Runtime) -> None:
        in_flight(rt, "0_x.q.msg", b"")
        recovery.prune(rt)
        [letter] = letters(rt)
        assert (letter.reason, letter.payload["size"]) == ("empty", 0)

    def test_a_crash_between_the_letter_and_the_move_keeps_one_letter(self, rt: Runtime) -> None:
        rejected = broker(rt) / foreign.REJECTED
        rejected.mkdir(parents=True)
        (rejected / "0_x.q.msg").write_bytes(b"{}")
        foreign_letters.keep_foreign(rt)
        shutil.move(broker(rt) / foreign.FOREIGN / "0_x.q.msg", rejected / "0_x.q.msg")
        foreign_letters.keep_foreign(rt)
        assert len(letters(rt)) == 1

    def test_two_files_of_one_name_are_two_letters_and_both_kept(self, rt: Runtime) -> None:
        rejected = broker(rt) / foreign.REJECTED
        rejected.mkdir(parents=True)
        for content in (b"{}", b"[]"):
            (rejected / "0_x.q.msg").write_bytes(content)
            foreign_letters.keep_foreign(rt)
        first, second = letters(rt)
        assert Path(first.payload["kept_at"]).read_bytes() == b"{}"
        assert Path(second.payload["kept_at"]).read_bytes() == b"[]"

    def test_a_huge_file_stays_on_disk_and_its_letter_holds_a_bounded_copy(
        self, rt: Runtime
    ) -> None:
        with in_flight(rt, "0_huge.q.msg", b"").open("wb") as handle:
            handle.truncate(foreign.MAX_FILE + 1)  # sparse: no disk, no time
        recovery.prune(rt)
        [letter] = letters(rt)
        assert letter.reason.startswith("too large: ")
        assert (letter.payload["size"], letter.payload["truncated"]) == (foreign.MAX_FILE + 1, True)
        assert len(letter.payload["base64"]) < foreign.MAX_FILE // 4
        assert os.path.getsize(letter.payload["kept_at"]) == foreign.MAX_FILE + 1


class TestSweepsAtOnce:
    def test_sweepers_on_many_threads_keep_each_file_once(self, rt: Runtime) -> None:
        """Sweeps overlap on the worker's pool threads; two used to letter one file twice, under
        two names (found by tests/integration/test_foreign_files.py)."""
        rejected = broker(rt) / foreign.REJECTED
        rejected.mkdir(parents=True)
        names = [f"0_{n}.q.msg" for n in range(40)]
        for name in names:
            (rejected / name).write_bytes(b"{}")
        start = threading.Barrier(6)
        errors: list[BaseException] = []

        def sweep() -> None:
            start.wait()
            try:
                for _ in range(5):
                    foreign_letters.keep_foreign(rt)
            except BaseException as failure:  # noqa: BLE001 - reported by the assertions below
                errors.append(failure)

        threads = [threading.Thread(target=sweep) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        foreign_letters.keep_foreign(rt)
        assert errors == []
        assert sorted(letter.message_id for letter in letters(rt)) == sorted(names)
        assert sorted(os.listdir(broker(rt) / foreign.FOREIGN)) == sorted(names)

    def test_a_keeper_leaves_the_folder_to_the_one_at_it(self, rt: Runtime) -> None:
        rejected = broker(rt) / foreign.REJECTED
        rejected.mkdir(parents=True)
        (rejected / "0_x.q.msg").write_bytes(b"{}")
        with (broker(rt) / "rejected.lock").open("a") as held:
            fcntl.flock(held.fileno(), fcntl.LOCK_EX)
            assert foreign_letters.keep_foreign(rt) == 0
            fcntl.flock(held.fileno(), fcntl.LOCK_UN)
        assert foreign_letters.keep_foreign(rt) == 1


class TestTheCommand:
    def test_listed_with_its_reason_and_its_replay_says_why_not(
        self, rt: Runtime, tmp_path: Path
    ) -> None:
        in_flight(rt, "0_x.q.msg", b"{}")
        recovery.recover(rt)
        [letter] = letters(rt)
        env = {
            "MUSTER_HOME": str(tmp_path),
            "MUSTER_DATABASE_URL": f"sqlite:///{tmp_path / 'muster.db'}",
            "MUSTER_QUEUE": fresh_queue(),
        }
        listed = CliRunner().invoke(cli, ["dead-letters", "list"], env=env)
        assert "(no task)  [foreign]" in listed.output
        assert "reason: wrong shape: no properties object" in listed.output
        assert f"kept at: {letter.payload['kept_at']}" in listed.output
        [row] = json.loads(
            CliRunner().invoke(cli, ["dead-letters", "list", "--format", "json"], env=env).output
        )
        assert row["payload"]["file"] == "0_x.q.msg"
        replay = CliRunner().invoke(cli, ["dead-letters", "replay", str(letter.id)], env=env)
        assert replay.exit_code == 2
        assert (
            f"dead letter #{letter.id} is a file the embedded broker could not read "
            "(wrong shape: no properties object), not a message" in replay.output
        )
        assert letter.payload["kept_at"] in replay.output.replace("\n", "")
        assert queued(rt) == []
