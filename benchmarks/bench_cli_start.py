"""CPU time of starting the ``alliance-analytics`` command: ``--help`` and ``validate`` on the sample case.

Each command runs as a fresh process ``--repeat`` times; the figure is the least CPU time (user + system, from
``resource.getrusage(RUSAGE_CHILDREN)``), which other work on the machine disturbs least. The floor is
``python -c pass`` (the interpreter alone); the named baseline is papermill's own command line,
``python -m papermill --help``, which every report run used to load at start-up. Ratios are against both.
Run: ``.venv/bin/python benchmarks/bench_cli_start.py`` (prints a table, then one JSON line).
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def cpu_seconds(command: list[str], repeat: int) -> float:
    """The least CPU time (user + system) of ``repeat`` runs of ``command``, in seconds."""
    best = float("inf")
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=PROJECT_ROOT)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        best = min(best, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    options = parser.parse_args()
    cli = shutil.which("alliance-analytics", path=str(Path(sys.executable).parent)) or "alliance-analytics"
    figures = {
        "floor_python_pass_s": cpu_seconds([sys.executable, "-c", "pass"], options.repeat),
        "baseline_papermill_help_s": cpu_seconds([sys.executable, "-m", "papermill", "--help"], options.repeat),
        "help_s": cpu_seconds([cli, "--help"], options.repeat),
        "validate_s": cpu_seconds([cli, "validate", "data/sample"], options.repeat),
    }
    floor, baseline = figures["floor_python_pass_s"], figures["baseline_papermill_help_s"]
    for name, seconds in figures.items():
        print(f"{name:28} {seconds:6.3f} s CPU  {seconds / floor:6.1f}x floor  {seconds / baseline:5.2f}x baseline")
    print(json.dumps({**{name: round(value, 4) for name, value in figures.items()},
                      "help_over_floor": round(figures["help_s"] / floor, 2),
                      "validate_over_floor": round(figures["validate_s"] / floor, 2),
                      "help_over_baseline": round(figures["help_s"] / baseline, 3),
                      "validate_over_baseline": round(figures["validate_s"] / baseline, 3)}))


if __name__ == "__main__":
    main()
