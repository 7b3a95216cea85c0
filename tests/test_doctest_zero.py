"""The doctest checker reads a printed negative zero as zero and nothing else (see ../conftest.py)."""

from __future__ import annotations

import doctest

import pytest


@pytest.mark.parametrize(("want", "got", "same"), [
    ("[0.0, 110.0]\n", "[-0.0, 110.0]\n", True),
    ("{'a': 0.00}\n", "{'a': -0.00}\n", True),
    ("-0.05\n", "0.05\n", False),
    ("[-0.0]\n", "[-1.0]\n", False),
    ("x-0.0\n", "x0.0\n", False),
])
def test_only_the_sign_of_a_zero_is_ignored(want, got, same):
    assert doctest.OutputChecker().check_output(want, got, 0) is same
