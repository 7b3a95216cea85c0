"""Environment faults: an output folder that cannot be written, and runs or batches killed from outside.

An output folder that is a file, read-only or full is reported in one line with exit 4 (never a traceback,
never exit 1, which says "the report exists, a notebook failed"), before any notebook runs when it shows at
once, and without a half-written report when a write fails later (field case R75). A batch killed with
``kill -9`` takes its pool workers and their kernels with it, and the next run or batch on the output folder
removes the staging folder it left (field case B21).
"""

from __future__ import annotations

import errno
import functools
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest
from batch_notebooks import write_config, write_notebooks
from click.testing import CliRunner

from alliance_analytics.batch import runner as batch_module
from alliance_analytics.cli import EXIT_ENVIRONMENT, main
from alliance_analytics.core import atomic_files
from alliance_analytics.core.paths import SAMPLE_CASE_DIR
from alliance_analytics.reporting import runner as report_module
from alliance_analytics.reporting.folders import OWNER_FILE, remove_abandoned, staged_report

CLI = "from alliance_analytics.cli import main; main()"
"""The command line, in a fresh interpreter."""
RUN_BATCH = ("import sys; from pathlib import Path; from alliance_analytics.batch.runner import run_batch; "
             "run_batch(sys.argv[1], sys.argv[2], workers=1, progress=False, notebooks_dir=Path(sys.argv[3]))")
"""A batch of the tiny notebooks with one pool worker, in a process of its own (to be killed)."""
LEAVE_STAGING = ("import os, sys; from pathlib import Path; from alliance_analytics.reporting.folders import "
                 "staged_report; report = staged_report(Path(sys.argv[1])); "
                 "print(report.__enter__().folder, flush=True); os._exit(0)")
"""A process that starts a report and dies without cleaning up, as ``kill -9`` leaves one."""

T = TypeVar("T")


def _wait_for(condition: Callable[[], T], timeout_s: float, what: str) -> T:
    """Poll ``condition`` until it returns something true; fail after ``timeout_s`` seconds."""
    deadline = time.monotonic() + timeout_s
    while not (value := condition()):
        if time.monotonic() > deadline:
            pytest.fail(f"{what} within {timeout_s} s")
        time.sleep(0.1)
    return value


def _tiny_cli(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Point the command line's runners at the tiny notebooks (a kernel run takes a second, not a minute)."""
    notebooks = write_notebooks(tmp_path / "notebooks")
    monkeypatch.setattr(report_module, "run_report", functools.partial(report_module.run_report,
                                                                       notebooks_dir=notebooks))
    monkeypatch.setattr(batch_module, "run_batch", functools.partial(batch_module.run_batch, notebooks_dir=notebooks))


def _disk_full_when_writing(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """Make every atomic write of a file called ``name`` fail as on a full disk (pool workers fork with it)."""
    write = atomic_files.write_bytes_atomic

    def full(path: str | Path, content: bytes) -> Path:
        if Path(path).name == name:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        return write(path, content)

    monkeypatch.setattr(atomic_files, "write_bytes_atomic", full)


def _batch_config(tmp_path: Path, extra: str = "") -> Path:
    return write_config(tmp_path / "batch.yaml", f"runs:\n  - cases: [{SAMPLE_CASE_DIR}]\n{extra}")


# --- the output folder cannot be written: exit 4, one line, nothing half-written -------------------------------


@pytest.mark.parametrize(("command", "out"), [("run", "report.html"), ("batch", "report.html/reports")],
                         ids=["run: --out is a file", "batch: a parent of --out is a file"])
def test_an_out_that_is_a_file_stops_before_anything_runs(tmp_path, monkeypatch, command, out):
    _tiny_cli(monkeypatch, tmp_path)
    monkeypatch.setattr(report_module, "execute", lambda *args, **kwargs: pytest.fail("a notebook ran"))
    (tmp_path / "report.html").write_text("<p>keep me</p>", encoding="utf-8")
    arguments = {"run": ["run", str(SAMPLE_CASE_DIR)], "batch": ["batch", str(_batch_config(tmp_path))]}[command]
    result = CliRunner().invoke(main, [*arguments, "--out", str(tmp_path / out), "--quiet"])
    assert result.exit_code == EXIT_ENVIRONMENT
    file = tmp_path / "report.html"
    subject = "it" if out == "report.html" else str(file)
    assert result.stderr == f"error: cannot write to {tmp_path / out}: {subject} is a file, not a folder\n"
    assert result.stdout == "" and file.read_text(encoding="utf-8") == "<p>keep me</p>"


def _read_only_runner(folder: Path) -> list[str]:
    """The command prefix that runs a command with ``folder`` read-only; skips when this machine cannot."""
    if os.geteuid() != 0:
        folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
        return []
    # root writes through permissions: make a read-only bind mount, in a mount namespace of the command's own
    if not shutil.which("unshare") or subprocess.run(["unshare", "--mount", "true"], capture_output=True,
                                                      check=False).returncode:
        pytest.skip("running as root without the right to make a private read-only mount")
    script = 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" "$1" && shift && exec "$@"'
    return ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh", str(folder)]


@pytest.mark.parametrize(("command", "below"), [("run", "new"), ("batch", "")],
                         ids=["run: --out inside a read-only folder", "batch: --out is read-only"])
def test_a_read_only_out_is_one_line_and_exit_4(tmp_path, command, below):
    read_only = tmp_path / "ro"
    (read_only / "2026-01-01_000000").mkdir(parents=True)
    (read_only / "2026-01-01_000000" / "index.html").write_text("previous report", encoding="utf-8")
    out = (read_only / below).resolve()
    arguments = {"run": ["run", str(SAMPLE_CASE_DIR), "--notebook", "partner_fit"],
                 "batch": ["batch", str(_batch_config(tmp_path, "    notebooks: partner_fit\n"))]}[command]
    prefix = _read_only_runner(read_only)
    try:
        done = subprocess.run([*prefix, sys.executable, "-c", CLI, *arguments, "--out", str(out), "--quiet"],
                              capture_output=True, text=True, check=False, timeout=120)
    finally:
        read_only.chmod(0o755)
    assert done.returncode == EXIT_ENVIRONMENT, done.stderr
    assert re.fullmatch(rf"error: cannot write to {re.escape(str(out))}: (read-only file system|permission denied)\n",
                        done.stderr), done.stderr
    assert sorted(path.name for path in read_only.rglob("*")) == ["2026-01-01_000000", "index.html"]


def test_a_full_disk_during_a_run_leaves_no_report_and_exits_4(tmp_path, monkeypatch):
    _tiny_cli(monkeypatch, tmp_path)
    _disk_full_when_writing(monkeypatch, "01_tiny.html")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["run", str(SAMPLE_CASE_DIR), "--out", str(out), "--quiet"])
    assert result.exit_code == EXIT_ENVIRONMENT
    assert result.stderr == f"error: cannot write to {out}: no space left on device\n"
    assert list(out.iterdir()) == []


@pytest.mark.parametrize("failing", ["01_tiny.html", "manifest.json"],
                         ids=["in a pool worker", "in the batch process"])
def test_a_full_disk_during_a_batch_leaves_no_report_and_exits_4(tmp_path, monkeypatch, failing):
    _tiny_cli(monkeypatch, tmp_path)
    _disk_full_when_writing(monkeypatch, failing)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["batch", str(_batch_config(tmp_path)), "--out", str(out), "--quiet"])
    assert result.exit_code == EXIT_ENVIRONMENT
    assert result.stderr == f"error: cannot write to {out}: no space left on device\n"
    assert sorted(path.name for path in out.iterdir()) == [".batch.lock"]


# --- killed runs and batches: no surviving worker or kernel, and the next run cleans up -----------------------


def _process_table() -> dict[int, tuple[int, str, str]]:
    """Every process: its parent, state and command line (from /proc)."""
    table = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text(encoding="utf-8").rsplit(")", 1)[1].split()
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            table[int(entry.name)] = (int(fields[1]), fields[0], command)
    return table


def _descendants(pid: int) -> dict[int, str]:
    """The processes below ``pid`` (children, theirs, …) with their command lines."""
    table, found, frontier = _process_table(), {}, [pid]
    while frontier:
        parent = frontier.pop()
        for child, (ppid, _, command) in table.items():
            if ppid == parent and child not in found:
                found[child] = command
                frontier.append(child)
    return found


def _with_kernel(processes: dict[int, str]) -> dict[int, str]:
    """``processes`` when a Jupyter kernel is among them, else nothing."""
    return processes if any("ipykernel" in command for command in processes.values()) else {}


def _running(pids: set[int]) -> set[int]:
    """Those of ``pids`` still running (an ended process waiting to be collected does not count)."""
    table = _process_table()
    return {pid for pid in pids if pid in table and table[pid][1] not in ("Z", "X")}


@pytest.mark.skipif(sys.platform != "linux", reason="workers die with the batch process through Linux's prctl")
def test_a_killed_batch_takes_its_workers_and_kernels_and_the_next_batch_removes_its_folder(tmp_path, monkeypatch):
    notebooks = write_notebooks(tmp_path / "notebooks")
    slow = write_config(tmp_path / "slow.yaml", f"runs:\n  - cases: [{SAMPLE_CASE_DIR}]\n"
                                                "    grid: {sleep_s: [20, 20]}\n")
    out = tmp_path / "out"
    with (tmp_path / "killed.log").open("wb") as log:
        batch = subprocess.Popen([sys.executable, "-c", RUN_BATCH, str(slow), str(out), str(notebooks)],
                                 stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    processes: set[int] = set()
    try:
        below = _wait_for(lambda: _with_kernel(_descendants(batch.pid)), timeout_s=90,
                          what="the batch's pool worker did not start a kernel")
        processes = set(below)
        assert len(processes) >= 2, below  # the pool worker and the kernel of its first run
        stale = _wait_for(lambda: list(out.glob(".*.partial")), timeout_s=10, what="no staging folder")
        os.kill(batch.pid, signal.SIGKILL)
        batch.wait(timeout=10)
        _wait_for(lambda: not _running(processes), timeout_s=20, what="a worker or kernel outlived the batch")
    finally:
        for pid in _running(processes):
            os.kill(pid, signal.SIGKILL)
        if batch.poll() is None:
            batch.kill()
            batch.wait()
    assert stale[0].is_dir() and (stale[0] / OWNER_FILE).is_file()

    _tiny_cli(monkeypatch, tmp_path)
    result = CliRunner().invoke(main, ["batch", str(_batch_config(tmp_path)), "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    assert result.stderr == f"Removed {stale[0]}: an unfinished report left by a run that was stopped\n"
    latest = (out / "latest").resolve()
    assert sorted(path.name for path in out.iterdir()) == [".batch.lock", latest.name, "latest"]
    assert not (latest / OWNER_FILE).exists()


def test_the_next_run_removes_only_staging_folders_whose_process_has_ended(tmp_path, monkeypatch):
    out = tmp_path / "out"
    out.mkdir()
    left = subprocess.run([sys.executable, "-c", LEAVE_STAGING, str(out)], capture_output=True, text=True,
                          check=True, timeout=60)
    dead = Path(left.stdout.strip())
    assert (dead / OWNER_FILE).is_file()
    unknown = out / ".2020-01-01_000000.partial"  # no owner record (an older version's): cannot tell, kept
    unknown.mkdir()
    with staged_report(out) as alive:  # this very process is writing it
        _tiny_cli(monkeypatch, tmp_path)
        result = CliRunner().invoke(main, ["run", str(SAMPLE_CASE_DIR), "--out", str(out), "--quiet"])
        assert result.exit_code == 0, result.output
        assert result.stderr == f"Removed {dead}: an unfinished report left by a run that was stopped\n"
        assert not dead.exists() and alive.folder.is_dir() and unknown.is_dir()
        assert remove_abandoned(out) == []
    shutil.rmtree(alive.folder)
