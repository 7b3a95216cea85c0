"""Dated report folders beside a ``latest`` link: naming a new one and moving the link.

A report (of ``run`` or ``batch``) is assembled in a hidden ``.<stamp>.partial`` folder in the same output
folder and renamed to ``<stamp>`` when complete; ``latest`` is then re-pointed in one atomic rename.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path


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
