"""One batch at a time per output folder.

A batch holds an exclusive lock on ``<out>/.batch.lock`` (:class:`filelock.FileLock`, an OS file lock that
is released when the process ends, however it ends) for as long as it runs, and notes who holds it in
``<out>/.batch.lock.json``. A second batch on the same folder is refused at once with that information. The
lock is only as good as the file system's locking: on a network file system shared by several machines,
check that it supports ``flock``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from alliance_analytics.core.atomic_files import write_json_atomic

LOCK_NAME = ".batch.lock"
"""The lock file in the output folder."""
HOLDER_NAME = ".batch.lock.json"
"""Who holds the lock: process id, host and start time."""


class BatchLocked(Exception):
    """Another batch is writing to the output folder.

    Parameters
    ----------
    out : Path
        The output folder.
    holder : dict
        What the running batch recorded about itself (may be empty if it has only just started).
    """

    def __init__(self, out: Path, holder: dict) -> None:
        self.out = out
        self.holder = holder
        started = holder.get("started", "at an unknown time")
        pid = holder.get("pid", "unknown")
        host = f" on {holder['host']}" if holder.get("host") and holder["host"] != socket.gethostname() else ""
        super().__init__(f"another batch is writing to {out} (started {started}, pid {pid}{host}); "
                         "try again when it has finished")


@contextmanager
def batch_lock(out: Path) -> Iterator[None]:
    """Hold the output folder's batch lock for the duration of the ``with`` block.

    Parameters
    ----------
    out : Path
        The output folder; created if missing.

    Yields
    ------
    None

    Raises
    ------
    BatchLocked
        At once, when another batch holds the lock.
    """
    out.mkdir(parents=True, exist_ok=True)
    lock = FileLock(out / LOCK_NAME, timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise BatchLocked(out, _holder(out)) from None
    holder = out / HOLDER_NAME
    try:
        write_json_atomic(holder, {"pid": os.getpid(), "host": socket.gethostname(),
                                   "started": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")})
        yield
    finally:
        holder.unlink(missing_ok=True)
        lock.release()


def _holder(out: Path) -> dict:
    """What the running batch recorded about itself; empty if nothing readable yet."""
    try:
        return json.loads((out / HOLDER_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
