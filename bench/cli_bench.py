"""Benchmark: does the ``muster`` command answer at once? (issue 19)

A monitoring hook or an on-call engineer's shell script runs ``muster declare`` or ``muster ack``
as a whole process, and an operator runs ``muster route`` after every config edit: each pays for
starting Python and importing what the command uses. Target: ``muster --help``, ``config
check``, ``route``, ``declare`` and ``ack`` each start and finish in <= 0.3 s (median of
``RUNS`` whole-process runs of the installed ``muster`` script), on the demo config with the
embedded broker in a temporary ``MUSTER_HOME``.

Beside each figure stand floors measured in the same rounds: ``python -c pass`` (starting the
interpreter), ``python -c "import click"`` (the least a click command can cost) and the libraries
every config-reading command imports (click, pydantic, PyYAML). Rounds run
every line once in turn, and each line also gives its CPU time (user + system), which load
from other work on a shared machine inflates far less than wall-clock time. ``ack`` is
measured with its incident check reading the database: a worker started once declares the
incident into the temporary home's SQLite database, and is stopped before the timing starts.
When a line fails, ``python -X importtime`` names its costliest imports. Exits non-zero when a
target fails.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

from bench.lib.processes import Subprocess

RUNS = 7
TARGET_S = 0.3
INCIDENT = "inc-clibench00001"
MUSTER = str(Path(sys.executable).with_name("muster"))
DECLARE = [
    "declare",
    "--title",
    "Checkout failing",
    "--impact",
    "critical",
    "--urgency",
    "high",
    "--service",
    "payments-api",
]
COMMANDS: dict[str, list[str]] = {
    "muster --help": ["--help"],
    "muster config check": ["config", "check"],
    "muster route": ["route", "--impact", "critical", "--urgency", "high", "--service", "search"],
    "muster declare": DECLARE,
    "muster ack (incident read from the database)": ["ack", INCIDENT, "--person", "alice"],
}
FLOORS: dict[str, list[str]] = {
    'python -c "pass"': [sys.executable, "-c", "pass"],
    'python -c "import click"': [sys.executable, "-c", "import click"],
    # What every config-reading command imports whatever muster does (informational).
    "python -c: click, pydantic, yaml": [
        sys.executable,
        "-c",
        "import click, yaml; from pydantic import BaseModel, Field",
    ],
}


def bench_env(home: Path) -> dict[str, str]:
    """The demo config, the embedded broker and a SQLite database, all in ``home``; bytecode
    cached as an installed package has it (a shell with ``PYTHONDONTWRITEBYTECODE`` would
    otherwise time compiling every module edited since the last install)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("MUSTER_") and key != "PYTHONDONTWRITEBYTECODE"
    }
    return {**env, "MUSTER_HOME": str(home)}


class Sample(NamedTuple):
    """One whole process: wall-clock seconds, and CPU seconds (user + system) it used."""

    wall: float
    cpu: float


def run_once(argv: list[str], env: dict[str, str]) -> Sample:
    """One whole process; it must succeed."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(  # noqa: S603
        argv, env=env, cwd=env["MUSTER_HOME"], capture_output=True, check=False
    )
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"{argv} failed ({done.returncode}): {done.stderr.decode()[-2000:]}")
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return Sample(elapsed, cpu)


def rounds(argvs: dict[str, list[str]], env: dict[str, str]) -> dict[str, list[Sample]]:
    """``RUNS`` rounds, each running every command once: on a shared machine, load that comes
    and goes then weighs on every line alike, floors included."""
    for argv in argvs.values():
        run_once(argv, env)  # warm the file cache and write the bytecode
    samples: dict[str, list[Sample]] = {label: [] for label in argvs}
    for _ in range(RUNS):
        for label, argv in argvs.items():
            samples[label].append(run_once(argv, env))
    return samples


def import_offenders(args: list[str], env: dict[str, str], top: int = 8) -> list[str]:
    """The libraries and muster modules whose imports cost ``muster ARGS`` most (self time)."""
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-X", "importtime", "-m", "muster.worker.cli", *args],
        env=env,
        cwd=env["MUSTER_HOME"],
        capture_output=True,
        text=True,
        check=False,
    )
    spent: dict[str, int] = {}
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        own, _, name = (part.strip() for part in line.removeprefix("import time:").split("|"))
        # A library as a whole; muster by module, since its own modules are what can change.
        package = name if name.startswith("muster.") else name.split(".")[0]
        spent[package] = spent.get(package, 0) + int(own)
    ranked = sorted(spent.items(), key=lambda item: -item[1])[:top]
    return [f"{package} {micros / 1000:.0f} ms" for package, micros in ranked]


def declare_into_database(home: Path, env: dict[str, str]) -> None:
    """Run a worker until it has recorded :data:`INCIDENT`, so ``ack`` finds it."""
    subprocess.run([MUSTER, "db", "upgrade"], env=env, check=True, capture_output=True)  # noqa: S603
    worker = Subprocess([MUSTER, "worker", "-c", "2"], env, home, home / "worker.log")
    worker.start()
    try:
        subprocess.run([MUSTER, *DECLARE, "--id", INCIDENT], env=env, check=True)  # noqa: S603
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            found = subprocess.run(  # noqa: S603
                [MUSTER, "timeline", INCIDENT], env=env, capture_output=True, check=False
            )
            if found.returncode == 0:
                return
            time.sleep(0.5)
        raise TimeoutError(f"the worker did not record {INCIDENT} in 60 s")
    finally:
        worker.stop()


def line(label: str, samples: list[Sample], floor: float | None) -> str:
    walls = [sample.wall for sample in samples]
    median, worst = statistics.median(walls), max(walls)
    cpu = statistics.median(sample.cpu for sample in samples)
    figure = f"{label:<46} median {median:5.3f} s  worst {worst:5.3f} s  cpu {cpu:5.3f} s"
    if floor is None:
        return figure + "  (floor)"
    verdict = "PASS" if median <= TARGET_S else "FAIL"
    over = median - floor
    return f"{figure}  target <= {TARGET_S} s  ({over:+.3f} s over import click)  {verdict}"


def main() -> int:
    failed = False
    with tempfile.TemporaryDirectory(prefix="muster-cli-bench-") as folder:
        home = Path(folder)
        env = bench_env(home)
        declare_into_database(home, env)
        print(f"{RUNS} rounds, whole processes, demo config, embedded broker in {home}")
        commands = {label: [MUSTER, *args] for label, args in COMMANDS.items()}
        samples = rounds({**FLOORS, **commands}, env)
        for label in FLOORS:
            print(line(label, samples[label], None))
        click_floor = statistics.median(s.wall for s in samples['python -c "import click"'])
        for label, args in COMMANDS.items():
            print(line(label, samples[label], click_floor))
            if statistics.median(s.wall for s in samples[label]) > TARGET_S:
                failed = True
                print("    costliest imports: " + ", ".join(import_offenders(args, env)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
