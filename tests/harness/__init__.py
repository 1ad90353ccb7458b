"""What the tests are built from: real processes, servers, protocol peers and configs.

Nothing here is a test and nothing here is a fixture (fixtures live in the ``conftest.py`` files,
built from these helpers). One module per concern:

* :mod:`~tests.harness.configs` - the shipped configs, their fake secrets, the fixed instant, the
  smallest useful document, the demo pinned and pointed at the peers.
* :mod:`~tests.harness.fault_configs` - the fault suite's small, fully accounted-for configs.
* :mod:`~tests.harness.window_configs` - configs with maintenance windows, validated or not.
* :mod:`~tests.harness.hostile_yaml` - YAML that attacks the loader (the billion laughs).
* :mod:`~tests.harness.core_incidents` - incidents as the pure core takes them.
* :mod:`~tests.harness.oncall_reference` - Grafana OnCall's shift rules, the importer's oracle.
* :mod:`~tests.harness.servers` - the real services on 127.0.0.1 (Redis, RabbitMQ, PostgreSQL):
  their URLs, skip-or-fail under CI, a fresh PostgreSQL database, a queue name of its own, a
  purged queue.
* :mod:`~tests.harness.private_servers` - Redis, RabbitMQ and PostgreSQL of a test's own, to kill.
* :mod:`~tests.harness.peers` - the SMTP and HTTP protocol peers Apprise delivers to, and
  Alertmanager.
* :mod:`~tests.harness.reaper` - ends a test's process group when the test run dies.
* :mod:`~tests.harness.muster_processes` - ``muster worker``, ``beat`` and ``web`` subprocesses.
* :mod:`~tests.harness.in_process` - stopping Celery's test worker in the test's process.
* :mod:`~tests.harness.clocked` - a real Celery worker in the test's process on a ManualClock.
* :mod:`~tests.harness.waiting` - polling a condition; every delivery settled.
* :mod:`~tests.harness.runtimes` - a runtime on a real database with a recording sender.
* :mod:`~tests.harness.declarations` - a declaration handled as the worker's task handles it.
* :mod:`~tests.harness.timer_runs` - the timer scan minute by minute, and the rows it leaves.
* :mod:`~tests.harness.config_check` - ``muster config check`` through the CLI.
* :mod:`~tests.harness.web_app` - the web app over a real config and a recording publisher.
* :mod:`~tests.harness.alert_bodies` - Alertmanager webhook bodies, small and outage-sized.
* :mod:`~tests.harness.sms_replies` - SMS replies from paged people, right and wrong codes.
* :mod:`~tests.harness.byte_fuzz` - what the web's byte fuzz sends, and its config.
* :mod:`~tests.harness.canaries` - canary secrets and the scan that finds them anywhere.
* :mod:`~tests.harness.inert` - what "inert" means for a reader of each message format.
* :mod:`~tests.harness.fault_report` - the fault suite's table of scenarios.
"""
