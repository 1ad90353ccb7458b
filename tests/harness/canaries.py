"""Canary secrets for the secrets scenario: a distinct, unmistakable value in every secret place,
and a scan that finds any of them in any text, however it was encoded on the way.

The places: the chat webhook token and the SMTP user and password (through ``${NAME}``), the
Signal sender number, the ack signing secret, a room webhook token written literally in the file,
the broker's and the database's passwords, and every person's phone number and email address.
The places scanned beside the logs and the CLI's output are gathered here too: every command
the broker was sent (``MONITOR``), what it still holds, and every row of every table.
"""

from __future__ import annotations

import secrets
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import redis
import yaml
from sqlalchemy import inspect, text

from muster.worker.store.db import Database
from tests.harness.configs import DEMO, pinned_rotations
from tests.harness.private_servers import PrivateRedis
from tests.harness.reaper import guard
from tests.harness.waiting import wait_until


def _token(place: str) -> str:
    return f"CANARY{place}{secrets.token_hex(6)}"


def _phone() -> str:
    return "+1999" + "".join(str(secrets.randbelow(10)) for _ in range(8))


@dataclass(frozen=True)
class Canaries:
    """One canary per secret place (environment secrets by their ``${NAME}``)."""

    chat_token: str = field(default_factory=lambda: _token("chat"))
    room_token: str = field(default_factory=lambda: _token("room"))
    smtp_user: str = field(default_factory=lambda: _token("smtpuser"))
    smtp_password: str = field(default_factory=lambda: _token("smtppw"))
    sms_from: str = field(default_factory=_phone)
    ack_secret: str = field(default_factory=lambda: _token("acksecret"))
    broker_password: str = field(default_factory=lambda: _token("brokerpw"))
    database_password: str = field(default_factory=lambda: _token("dbpw"))
    phones: dict[str, str] = field(default_factory=dict)
    emails: dict[str, str] = field(default_factory=dict)

    def environment(self) -> dict[str, str]:
        """What the config's ``${NAME}`` placeholders are filled from."""
        return {
            "CHAT_TOKEN": self.chat_token,
            "SMTP_USER": self.smtp_user,
            "SMTP_PASSWORD": self.smtp_password,
            "SMS_FROM": self.sms_from,
            "ACK_SECRET": self.ack_secret,
        }

    def named(self) -> dict[str, str]:
        """Every canary, by where it was put."""
        found = {
            "chat token": self.chat_token,
            "room token": self.room_token,
            "SMTP user": self.smtp_user,
            "SMTP password": self.smtp_password,
            "SMS sender": self.sms_from,
            "ack secret": self.ack_secret,
            "broker password": self.broker_password,
            "database password": self.database_password,
        }
        found |= {f"{who}'s phone": number for who, number in self.phones.items()}
        found |= {f"{who}'s email": address for who, address in self.emails.items()}
        return found

    def found_in(self, text: str) -> list[str]:
        """Which canaries ``text`` holds, as written, percent-encoded or without a phone's +."""
        return [
            place
            for place, value in self.named().items()
            if any(form in text for form in _forms(value))
        ]


def _forms(value: str) -> set[str]:
    forms = {value, quote(value, safe=""), quote(value, safe="@+")}
    if value.startswith("+"):
        forms.add(value[1:])
    return forms


def canary_document(
    canaries: Canaries, chat: str, rooms: str, smtp: str, sms: str
) -> dict[str, Any]:
    """The demo config (rotations pinned, so it holds on any date), every person given a canary
    phone and email, every contact and room reaching the peers at ``host:port`` with canaries
    for credentials."""
    document: dict[str, Any] = yaml.safe_load(DEMO.read_text())
    document["rotations"] = pinned_rotations(document)
    document.pop("overrides", None)
    for who, person in document["people"].items():
        if "sms" in person:
            person["sms"] = canaries.phones.setdefault(who, _phone())
        person["email"] = canaries.emails.setdefault(who, f"{_token(who).lower()}@example.test")
    document["contacts"] = {
        "email": f"mailto://${{SMTP_USER}}:${{SMTP_PASSWORD}}@{smtp}"
        "?from=muster@example.test&to={email}",
        "sms": f"signal://{sms}/${{SMS_FROM}}/{{sms}}",
        "chat": f"mmost://{chat}/${{CHAT_TOKEN}}?to={{chat}}",
        "fallback": {"sms": "email", "chat": "email"},
    }
    document["broadcasts"] = {
        name: f"mmost://{rooms}/{canaries.room_token}?to={name}"
        for name in ("incident_room", "summaries", "stakeholders")
    }
    document["services"]["payments-api"]["room"] = (
        f"mmost://{rooms}/{canaries.room_token}?to=payments-incidents"
    )
    document["ack"] = {"url": "http://127.0.0.1:9/ack", "secret": "${ACK_SECRET}"}
    return document


def write(path: Path, document: dict[str, Any]) -> None:
    path.write_text(yaml.safe_dump(document, sort_keys=False))


def monitor(broker: PrivateRedis, into: Path) -> Callable[[], None]:
    """``redis-cli MONITOR`` into a file, from now on: every command the broker is sent, task
    messages and their arguments included. Returns what ends it."""
    binary = shutil.which("redis-cli")
    assert binary is not None, "redis-cli is needed to watch the broker"
    with into.open("wb") as sink:
        process = subprocess.Popen(
            [binary, "-p", str(broker.port), "--no-auth-warning", "-a",
             broker.password or "", "monitor"],
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    reaper = guard(process.pid)
    wait_until(lambda: into.stat().st_size > 0 or process.poll() is not None, timeout=10)

    def end() -> None:
        process.terminate()
        process.wait(timeout=10)
        reaper.wait(timeout=10)

    return end


def database_rows(database: Database) -> dict[str, str]:
    """Every row of every table, as text, by table."""
    found = {}
    with database.engine.connect() as connection:
        for table in inspect(connection).get_table_names():
            rows = connection.execute(text(f'SELECT * FROM "{table}"')).all()  # noqa: S608
            found[f"table {table}"] = "\n".join(repr(tuple(row)) for row in rows)
    return found


def broker_contents(broker: PrivateRedis) -> str:
    """Whatever the broker still holds, every key of every kind."""
    client = redis.Redis(port=broker.port, password=broker.password)
    found = [f"{key!r} {_value(client, key)!r}" for key in client.scan_iter()]
    client.close()
    return "\n".join(found)


def _value(client: redis.Redis, key: bytes) -> Any:
    kind = client.type(key).decode()
    if kind == "string":
        return client.get(key)
    if kind == "list":
        return client.lrange(key, 0, -1)
    if kind == "hash":
        return client.hgetall(key)
    if kind == "set":
        return client.smembers(key)
    if kind == "zset":
        return client.zrange(key, 0, -1, withscores=True)
    return kind
