"""Connecting to an existing Dask distributed cluster, the one way the batch runner and the simulation do it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from alliance_analytics.core.problems import InputError, Problem

if TYPE_CHECKING:
    from distributed import Client

SCHEDULER_CONNECT_TIMEOUT_S = 10
"""How long to try to reach a Dask scheduler before saying it cannot be reached."""


def connect(address: str) -> Client:
    """A client of the Dask scheduler at ``address``.

    Parameters
    ----------
    address : str
        The scheduler's address, e.g. ``tcp://10.0.0.5:8786``.

    Returns
    -------
    distributed.Client
        Connected, not set as the default client; close it when done.

    Raises
    ------
    InputError
        When the scheduler cannot be reached within :data:`SCHEDULER_CONNECT_TIMEOUT_S` (a ``--scheduler``
        problem, reported like any bad input).
    """
    from distributed import Client  # here: only a distributed run needs it

    try:
        return Client(address, timeout=SCHEDULER_CONNECT_TIMEOUT_S, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as error:
        raise InputError("--scheduler", [Problem("--scheduler", f"cannot connect to the Dask scheduler "
                                                                f"({type(error).__name__}: {error})",
                                                 column=address)]) from None
