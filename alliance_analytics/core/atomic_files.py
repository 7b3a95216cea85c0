"""Writing files so a crash never leaves a half-written one in place of a good one.

Content goes to a temporary file in the destination folder, which then replaces the destination in one
atomic rename.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any


def write_bytes_atomic(path: str | Path, content: bytes) -> Path:
    """Write ``content`` to ``path`` atomically.

    Parameters
    ----------
    path : str or Path
        Destination; its folder is created if missing.
    content : bytes
        The full content.

    Returns
    -------
    Path
        The destination.
    """
    destination = Path(path)
    destination.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{destination.name}.", suffix=".tmp", dir=destination.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o666 & ~_current_umask())
        os.replace(temporary, destination)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return destination


def write_text_atomic(path: str | Path, text: str) -> Path:
    """Write ``text`` to ``path`` atomically (UTF-8).

    Parameters
    ----------
    path : str or Path
        Destination; its folder is created if missing.
    text : str
        The full content.

    Returns
    -------
    Path
        The destination.
    """
    return write_bytes_atomic(path, text.encode("utf-8"))


def write_json_atomic(path: str | Path, payload: Any) -> Path:
    """Write ``payload`` as indented JSON to ``path`` atomically.

    Parameters
    ----------
    path : str or Path
        Destination.
    payload : Any
        JSON-serialisable data.

    Returns
    -------
    Path
        The destination.
    """
    return write_text_atomic(path, json.dumps(payload, indent=2, ensure_ascii=False, sort_keys=False) + "\n")


def _current_umask() -> int:
    """The process's umask (temporary files are created private; published files follow the umask)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask
