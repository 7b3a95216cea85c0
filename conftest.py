"""Doctests compare numbers, not the sign of a zero: ``-0.0`` and ``0.0`` are the same printed result.

Whether a computation that should give zero prints ``-0.0`` or ``0.0`` depends on the order of floating-point
operations, which differs between machines and BLAS builds; a test must not fail on it. Every doctest of the
package is compared with negative zeros written as zeros on both sides.
"""

from __future__ import annotations

import doctest
import re

_NEGATIVE_ZERO = re.compile(r"(?<![\w.])-(0\.0+)(?![\d])")
_check_output = doctest.OutputChecker.check_output


def _without_negative_zeros(self: doctest.OutputChecker, want: str, got: str, optionflags: int) -> bool:
    """``check_output`` with every printed negative zero read as zero."""
    return _check_output(self, _NEGATIVE_ZERO.sub(r"\1", want), _NEGATIVE_ZERO.sub(r"\1", got), optionflags)


doctest.OutputChecker.check_output = _without_negative_zeros
