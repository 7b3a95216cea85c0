"""Running a batch's notebooks in parallel: a local process pool, or an existing Dask cluster.

Locally, runs go to a :class:`concurrent.futures.ProcessPoolExecutor` with one worker per core (at most one
per run). A run is coarse-grained: seconds to minutes, spent in its own Jupyter kernel (a separate process
that papermill starts), so all a worker does is start the kernel, wait for it and export the HTML. The
standard library pool starts in a fraction of a second and needs no scheduler, dashboard or nanny
processes; a ``dask.distributed.LocalCluster`` would add start-up time and moving parts without running
anything faster on one machine. Workers are forked from the batch process, with every run submitted
before the progress bar (the only other thread) starts: they inherit the modules already imported
(papermill, nbformat and nbconvert take seconds to import) instead of importing them again.

Past one machine, ``--scheduler tcp://host:port`` sends each run to an existing Dask distributed cluster
(``distributed.Client.submit``). Its workers must have this package and the notebooks installed at the same
paths, and must see the output folder and the case folders on a shared file system: each run writes its
files straight into its folder in the batch's staging folder, which lies inside the output folder.

Either way, a run that fails is recorded as a failed run and the others go on; a notebook that fails or
whose kernel dies never takes its worker down, as the kernel is a process of its own. Should a local worker
process itself die (killed from outside), the pool is broken: the runs still unfinished are then recorded as
failed with that reason, and the batch report is written as usual. A run that cannot write its files
(:class:`OSError`: read-only file system, no space left) is not a failed run but an environment fault: it
stops the batch, which then writes no report.

Local workers die with the batch process. Should it be killed (``kill -9``, the OOM killer, a scheduler's
time limit), the operating system kills every worker at once (Linux: ``prctl(PR_SET_PDEATHSIG, SIGKILL)``,
set as each worker starts), instead of leaving it to run the remaining runs into a folder nobody will
publish (python/cpython#111873). Each run's kernel watches its own parent, the worker (ipykernel's parent
poller, told the worker's process id by jupyter_client), and exits within a second of it.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
import uuid
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from contextlib import AbstractContextManager
from pathlib import Path
from types import TracebackType

from alliance_analytics.batch.plan import RunSpec
from alliance_analytics.core.cluster import connect
from alliance_analytics.reporting.runner import CACHE_FOLDER, NotebookRun, run_notebook

"""How long to wait for a Dask scheduler to answer before giving up."""
PR_SET_PDEATHSIG = 1
"""Linux ``prctl`` option: the signal this process receives when the thread that forked it ends."""


def execute_run(spec: RunSpec, staging: Path) -> NotebookRun:
    """Run one notebook of a batch into its folder of the staging folder (runs in a pool or Dask worker).

    Parameters
    ----------
    spec : RunSpec
        The run.
    staging : Path
        The batch's staging folder; the run writes into ``staging / spec.run_id``, and every run of the batch
        shares the result cache ``staging / .cache`` (one Monte Carlo per case and parameter set).

    Returns
    -------
    NotebookRun
        Links relative to the batch folder.
    """
    return run_notebook(spec.notebook, spec.case_dir, spec.case_name, spec.parameters, staging / spec.run_id,
                        show_code=spec.show_code, timeout_s=spec.timeout_s, link_prefix=f"{spec.run_id}/",
                        cache_dir=staging / CACHE_FOLDER, banner=spec.what_if)


def failed_run(spec: RunSpec, error: BaseException) -> NotebookRun:
    """The record of a run whose worker failed before the run could record its own outcome.

    Parameters
    ----------
    spec : RunSpec
        The run.
    error : BaseException
        What the pool or cluster raised for it.

    Returns
    -------
    NotebookRun
        A failed run without files (unless the run wrote them: they stay in its folder).
    """
    reason = f"{type(error).__name__}: {error}".strip().rstrip(":")
    return NotebookRun(name=spec.notebook.stem, title=spec.title, ok=False, seconds=0.0,
                       notebook=None, html=None, results=None, error=f"worker failed: {reason}")


class LocalPool(AbstractContextManager):
    """Runs on this machine, in a pool of worker processes.

    Parameters
    ----------
    workers : int
        Pool size.
    """

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._executor = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"),
                                             initializer=die_with_parent, initargs=(os.getpid(),))

    def describe(self) -> str:
        """Where the runs go, for the manifest and the summary.

        Returns
        -------
        str
        """
        return f"local pool of {self.workers} worker{'s' if self.workers != 1 else ''}"

    def run(self, specs: list[RunSpec], staging: Path) -> Iterator[tuple[RunSpec, NotebookRun]]:
        """Start every run now; return an iterator of each one's outcome as it finishes.

        Parameters
        ----------
        specs : list of RunSpec
            The runs.
        staging : Path
            The batch's staging folder.

        Returns
        -------
        iterator of tuple of (RunSpec, NotebookRun)
        """
        futures: dict[Future, RunSpec] = {self._executor.submit(execute_run, spec, staging): spec for spec in specs}
        return ((futures[future], _outcome(future, futures[future])) for future in as_completed(futures))

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        """Stop the pool; when the batch was interrupted, cancel what has not started."""
        self._executor.shutdown(wait=True, cancel_futures=error is not None)


class DaskCluster(AbstractContextManager):
    """Runs on an existing Dask distributed cluster.

    Parameters
    ----------
    address : str
        The scheduler's address, e.g. ``tcp://10.0.0.5:8786``.

    Raises
    ------
    InputError
        When the scheduler cannot be reached.
    """

    def __init__(self, address: str) -> None:
        self.address = address
        self._futures: list = []
        self._client = connect(address)

    def describe(self) -> str:
        """Where the runs go, for the manifest and the summary.

        Returns
        -------
        str
        """
        return f"Dask scheduler {self.address}"

    def run(self, specs: list[RunSpec], staging: Path) -> Iterator[tuple[RunSpec, NotebookRun]]:
        """Submit every run now; return an iterator of each one's outcome as it finishes.

        Parameters
        ----------
        specs : list of RunSpec
            The runs.
        staging : Path
            The batch's staging folder, on a file system the workers share.

        Returns
        -------
        iterator of tuple of (RunSpec, NotebookRun)
        """
        from distributed import as_completed as completed

        batch = uuid.uuid4().hex[:8]
        futures = {self._client.submit(execute_run, spec, staging, key=f"alliance-analytics-{batch}-{spec.run_id}",
                                       pure=False): spec for spec in specs}
        self._futures = list(futures)
        return ((futures[future], _outcome(future, futures[future]))
                for future in completed(futures, loop=self._client.loop))

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        """Cancel what is still queued when the batch was interrupted, and disconnect."""
        if error is not None:
            self._client.cancel(self._futures)
        self._client.close()


def open_executor(workers: int, scheduler: str | None) -> LocalPool | DaskCluster:
    """The executor a batch runs on.

    Parameters
    ----------
    workers : int
        Local pool size (ignored with a scheduler: the cluster decides).
    scheduler : str, optional
        A Dask scheduler address; runs go there instead of to a local pool.

    Returns
    -------
    LocalPool or DaskCluster
        A context manager with ``run(specs, staging)`` and ``describe()``.
    """
    return DaskCluster(scheduler) if scheduler else LocalPool(workers)


def default_workers(runs: int) -> int:
    """One worker per core, at most one per run.

    Parameters
    ----------
    runs : int
        Number of runs in the batch.

    Returns
    -------
    int
        At least 1.

    Examples
    --------
    >>> default_workers(1)
    1
    """
    return max(1, min(os.cpu_count() or 1, runs))


def die_with_parent(parent: int) -> None:
    """Make this pool worker end when the batch process ``parent`` ends, however it ends (the pool's initializer).

    On Linux the kernel sends the worker ``SIGKILL`` when the thread that forked it ends: the pool forks its
    workers from the thread that submits the runs, the batch's main thread, which ends only with the batch
    process. Should the batch process have ended before this ran, the worker has been handed to another
    parent already, and it ends at once.

    Parameters
    ----------
    parent : int
        The batch process's id, as the batch process saw it when it created the pool.
    """
    if sys.platform == "linux":
        ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:
        os._exit(1)


def _outcome(future: Future, spec: RunSpec) -> NotebookRun:
    """A finished future's run, or a failed run when its worker raised; a run that could not write stops the batch."""
    try:
        return future.result()
    except OSError:
        raise
    except Exception as error:  # a worker that died or raised: this run failed, the batch goes on
        return failed_run(spec, error)
