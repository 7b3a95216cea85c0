"""The run's result cache: computed once per key, even by two processes at once; nothing stored without a run."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from alliance_analytics.core.cache import CACHE_ENV, cache_key, cached, computations

HASHES = {"case.yaml": "0" * 64}


def test_without_a_run_every_call_computes(monkeypatch):
    monkeypatch.delenv(CACHE_ENV, raising=False)
    calls = []
    for _ in range(2):
        assert cached("fit", HASHES, {"a": 1}, lambda: calls.append(1) or len(calls)) == len(calls)
    assert len(calls) == 2


def test_within_a_run_a_key_is_computed_once(monkeypatch, tmp_path):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    calls = []

    def compute() -> dict:
        calls.append(1)
        return {"value": 41.5 + len(calls)}

    first = cached("risk_simulation", HASHES, {"iterations": 100}, compute)
    again = cached("risk_simulation", HASHES, {"iterations": 100}, compute)
    other = cached("risk_simulation", HASHES, {"iterations": 200}, compute)
    assert first == again == {"value": 42.5} and other == {"value": 43.5}
    assert len(calls) == 2
    keys = [key for _, key in computations(tmp_path)]
    assert keys == [cache_key("risk_simulation", HASHES, {"iterations": 100}),
                    cache_key("risk_simulation", HASHES, {"iterations": 200})]


def test_the_key_changes_with_the_case_files_and_the_parameters():
    base = cache_key("portfolio", HASHES, {"seed": -1})
    assert base != cache_key("portfolio", {"case.yaml": "1" * 64}, {"seed": -1})
    assert base != cache_key("portfolio", HASHES, {"seed": 7})
    assert base != cache_key("fit", HASHES, {"seed": -1})
    assert base == cache_key("portfolio", dict(HASHES), {"seed": -1})


def test_two_processes_asking_at_once_compute_once(tmp_path):
    script = textwrap.dedent(f"""
        import os, sys, time
        os.environ[{CACHE_ENV!r}] = sys.argv[1]
        from alliance_analytics.core.cache import cached
        def slow():
            time.sleep(1.0)
            return 7
        print(cached("risk_simulation", {{"case.yaml": "ab"}}, {{"iterations": 100}}, slow))
    """)
    processes = [subprocess.Popen([sys.executable, "-c", script, str(tmp_path)], stdout=subprocess.PIPE, text=True)
                 for _ in range(2)]
    outputs = [process.communicate(timeout=120)[0].strip() for process in processes]
    assert outputs == ["7", "7"]
    assert [analysis for analysis, _ in computations(Path(tmp_path))] == ["risk_simulation"]
