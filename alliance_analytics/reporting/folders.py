"""The output folder: dated report folders beside a ``latest`` link, each assembled in a hidden staging folder.

A report (of ``run`` or ``batch``) is assembled in a hidden ``.<stamp>.partial`` folder in the output folder
(:func:`staged_report`) and renamed to ``<stamp>`` when complete (:meth:`Staging.publish`); ``latest`` is then
re-pointed in one atomic rename (:func:`point_latest`).

While a staging folder is being written it holds ``.owner.json``: the process id, host and start of the
process writing it. A run stopped from outside (``kill -9``, the OOM killer, a scheduler's time limit) cannot
remove its staging folder; the next run or batch on the same output folder removes every staging folder
whose process has ended (:func:`remove_abandoned`). A staging folder without that record, or written from
another machine, is left alone: nothing here can tell whether it is still being written.

An output folder that cannot be written (a file, read-only, full, no permission) is an environment fault,
not a failed notebook: inside :func:`output_folder` every :class:`OSError` becomes an
:class:`OutputFolderError` naming the folder, which the command line reports in one line (exit 4).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from alliance_analytics.core.atomic_files import write_json_atomic

OWNER_FILE = ".owner.json"
"""The record, inside a staging folder, of the process writing it (removed when the report is published)."""


class OutputFolderError(OSError):
    """The output folder cannot be written: it is a file, read-only, full, or not ours to write.

    Parameters
    ----------
    message : str
        One line in plain words, e.g. ``cannot write to /srv/reports: read-only file system``.
    """


@contextmanager
def output_folder(out: Path) -> Iterator[None]:
    """Check and create the output folder ``out``, then report any failure to write inside the block as its fault.

    Parameters
    ----------
    out : Path
        The output folder; created (with its parents) if missing.

    Yields
    ------
    None

    Raises
    ------
    OutputFolderError
        At once when ``out`` or one of its parents is a file, or ``out`` cannot be created; later when an
        :class:`OSError` (read-only file system, no space left, permission denied, …) ends the block.
    """
    try:
        existing = next(folder for folder in (out, *out.parents) if folder.exists())
        if not existing.is_dir():
            subject = "it" if existing == out else str(existing)
            raise OutputFolderError(f"cannot write to {out}: {subject} is a file, not a folder")
        out.mkdir(parents=True, exist_ok=True)
        yield
    except OutputFolderError:
        raise
    except OSError as error:
        raise OutputFolderError(f"cannot write to {out}: {_reason(error)}") from error


def _reason(error: OSError) -> str:
    """The operating system's words for a failed write, e.g. ``read-only file system``.

    Examples
    --------
    >>> import errno
    >>> _reason(OSError(errno.ENOSPC, "No space left on device", "/srv/reports/x"))
    'no space left on device'
    >>> _reason(OSError("disk full"))
    'disk full'
    """
    if error.strerror:
        return error.strerror[:1].lower() + error.strerror[1:]
    return str(error)


def new_stamp(out: Path) -> str:
    """A UTC timestamp folder name not yet used in ``out`` (neither finished nor being assembled).

    Parameters
    ----------
    out : Path
        The output folder.

    Returns
    -------
    str
        E.g. ``2026-11-23_101500``, or ``2026-11-23_101500_2`` when that one exists.
    """
    base = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d_%H%M%S")
    stamp, counter = base, 1
    while (out / stamp).exists() or staging_folder(out, stamp).exists():
        counter += 1
        stamp = f"{base}_{counter}"
    return stamp


def staging_folder(out: Path, stamp: str) -> Path:
    """The hidden folder a report is assembled in before it is renamed to ``out / stamp``.

    Parameters
    ----------
    out : Path
        The output folder.
    stamp : str
        The report's folder name.

    Returns
    -------
    Path
        ``out / ".<stamp>.partial"``: on the same file system as the final folder, so the rename is atomic.
    """
    return out / f".{stamp}.partial"


@dataclass(frozen=True)
class Staging:
    """A report being assembled.

    Attributes
    ----------
    folder : Path
        The hidden staging folder the report's files are written to.
    final : Path
        The dated folder it becomes when published.
    """

    folder: Path
    final: Path

    def publish(self) -> Path:
        """Rename the complete report to its dated name in one atomic rename.

        Returns
        -------
        Path
            The dated report folder.
        """
        (self.folder / OWNER_FILE).unlink()
        self.folder.rename(self.final)
        return self.final


@contextmanager
def staged_report(out: Path) -> Iterator[Staging]:
    """A new staging folder in ``out``, recording this process as its writer; removed if the block raises.

    The block writes the report into ``staging.folder`` and ends with :meth:`Staging.publish`. Whatever ends
    the block early (an error, an interrupt) removes the staging folder, so no half-written report remains.

    Parameters
    ----------
    out : Path
        The output folder (it must exist).

    Yields
    ------
    Staging
    """
    stamp = new_stamp(out)
    staging = Staging(staging_folder(out, stamp), out / stamp)
    staging.folder.mkdir()
    try:
        write_json_atomic(staging.folder / OWNER_FILE, {"pid": os.getpid(), "host": socket.gethostname(),
                                                        "process": _process_identity(os.getpid())})
        yield staging
    except BaseException:
        shutil.rmtree(staging.folder, ignore_errors=True)
        raise


def remove_abandoned(out: Path) -> list[Path]:
    """Remove the staging folders in ``out`` whose writing process has ended; return those removed.

    A staging folder is abandoned when its ``.owner.json`` names a process of this machine that no longer runs
    (a run or batch killed before it could clean up). One being written, one without that record and one
    written from another machine are left alone.

    Parameters
    ----------
    out : Path
        The output folder.

    Returns
    -------
    list of Path
        The folders removed, sorted.
    """
    abandoned = sorted(folder for folder in out.glob(".*.partial")
                       if folder.is_dir() and not folder.is_symlink() and _abandoned(folder))
    for folder in abandoned:
        shutil.rmtree(folder, ignore_errors=True)
    return [folder for folder in abandoned if not folder.exists()]


def _abandoned(folder: Path) -> bool:
    """Whether the process that wrote the staging ``folder`` has ended (``False`` when that cannot be told)."""
    try:
        owner = json.loads((folder / OWNER_FILE).read_text(encoding="utf-8"))
        pid, host, process = owner["pid"], owner["host"], owner["process"]
    except (OSError, ValueError, TypeError, KeyError):
        return False
    if host != socket.gethostname() or not isinstance(pid, int) or pid <= 0:
        return False
    return _process_identity(pid) != process


def _process_identity(pid: int) -> str | None:
    """Which process runs as ``pid``, told apart from a later one given the same id; ``None`` when none runs.

    On Linux, the boot and the process's start (clock ticks after boot) from ``/proc``; a process that has
    ended but is not yet collected by its parent (a zombie) counts as ended. Elsewhere only whether the id
    is in use.
    """
    if sys.platform == "linux":
        try:
            fields = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8").rsplit(")", 1)[1].split()
            state, started = fields[0], fields[19]
            boot = Path("/proc/sys/kernel/random/boot_id").read_text(encoding="utf-8").strip()
        except (OSError, IndexError):
            return None
        return None if state in ("Z", "X") else f"{boot}/{started}"
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass
    return "running"


def point_latest(out: Path, stamp: str) -> None:
    """Point ``out/latest`` at ``stamp`` in one atomic rename.

    Parameters
    ----------
    out : Path
        The output folder.
    stamp : str
        The report folder ``latest`` should lead to.
    """
    temporary = out / f".latest.{stamp}"
    temporary.unlink(missing_ok=True)
    os.symlink(stamp, temporary)
    os.replace(temporary, out / "latest")
