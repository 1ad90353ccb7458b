"""muster's benchmarks: each ``bench.NAME`` module asks one question and prints each figure beside
its target or floor (``python -m bench.NAME`` from the repository root; see bench/README.md).
Their shared parts are in :mod:`bench.lib`; test peers and processes come from
:mod:`tests.harness`."""
