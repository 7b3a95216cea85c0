"""Executing one notebook with papermill in its own kernel: Unix sockets, no history file, a time limit.
"""

from __future__ import annotations

import contextlib
import os
import signal
import tempfile
import threading
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import papermill
from jupyter_client.manager import AsyncKernelManager
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from traitlets import CaselessStrEnum, default

KERNEL_ARGUMENTS = ["--HistoryManager.hist_file=:memory:"]
"""Kernels keep no history database: many kernels at once would contend for IPython's SQLite file."""
DEAD_KERNEL_RETRIES = 1
"""How many times a notebook whose kernel died is run again."""


class IpcKernelManager(AsyncKernelManager):
    """A kernel manager that talks to its kernel over Unix sockets in the temporary folder, not TCP ports.

    Many kernels started at once cannot collide on ports (papermill issue #511), and nothing listens on
    the network.
    """

    transport = CaselessStrEnum(["tcp", "ipc"], default_value="ipc", config=True)

    @default("ip")
    def _socket_prefix(self) -> str:
        """A fresh socket-path prefix in the temporary folder for each kernel."""
        return os.path.join(tempfile.gettempdir(), f"alliance-analytics-kernel-{uuid.uuid4().hex}")


def execute(notebook: Path, executed: Path, parameters: dict[str, Any], timeout_s: float | None,
            env: Mapping[str, str] | None = None) -> tuple[str | None, bool]:
    """Run papermill once; return the error (``None`` on success) and whether the kernel died.

    Parameters
    ----------
    notebook, executed : Path
        The notebook to run and where the executed copy goes.
    parameters : dict
        Injected into the ``parameters`` cell.
    timeout_s : float or None
        Time limit of the whole execution (and of each cell), in seconds.
    env : mapping of str to str, optional
        Environment variables added for this kernel only (this process's environment is left alone).

    Returns
    -------
    (str or None, bool)
        The error, and whether the kernel died.
    """
    kernels: list[IpcKernelManager] = []

    class WatchedKernelManager(IpcKernelManager):
        """This execution's kernel manager, remembered so the watchdog can stop its kernel."""

        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            kernels.append(self)

        async def _async_pre_start_kernel(self, **kw: Any) -> Any:
            """Start the kernel with ``env`` added to the environment it inherits."""
            if env:
                kw["env"] = {**kw.get("env", os.environ), **env}
            return await super()._async_pre_start_kernel(**kw)

    expired = threading.Event()

    def stop_kernels() -> None:
        """Past the time limit: kill the kernel, which ends papermill's execution."""
        expired.set()
        for manager in kernels:
            if manager.has_kernel and manager.provisioner is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(manager.provisioner.pid, signal.SIGKILL)

    watchdog = threading.Timer(timeout_s, stop_kernels) if timeout_s else None
    if watchdog is not None:
        watchdog.daemon = True
        watchdog.start()
    try:
        papermill.execute_notebook(str(notebook), str(executed), parameters=parameters, cwd=str(notebook.parent),
                                   progress_bar=False, kernel_name="python3", execution_timeout=timeout_s,
                                   kernel_manager_class=WatchedKernelManager, extra_arguments=KERNEL_ARGUMENTS)
    except papermill.PapermillExecutionError as failure:
        return f"{failure.ename}: {failure.evalue}".strip(), False
    except CellTimeoutError:
        return timed_out(timeout_s), False
    except Exception as failure:  # the kernel died or never started: recorded like a failing cell
        if expired.is_set():
            return timed_out(timeout_s), False
        died = isinstance(failure, DeadKernelError) or "kernel died" in str(failure).lower()
        return f"{type(failure).__name__}: {failure}".strip(), died
    finally:
        if watchdog is not None:
            watchdog.cancel()
    return None, False


def timed_out(timeout_s: float | None) -> str:
    """The reason recorded for a run stopped at its time limit.

    Parameters
    ----------
    timeout_s : float or None
        The time limit in seconds.

    Returns
    -------
    str
        E.g. ``"timed out after 600 s"``.

    Examples
    --------
    >>> timed_out(600.0)
    'timed out after 600 s'
    """
    return f"timed out after {timeout_s:g} s"
