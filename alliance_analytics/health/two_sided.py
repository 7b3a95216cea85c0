"""The two-sided view: do our people and the partner's people see the alliance the same way?

Each side's respondents score the same survey items; per dimension, each respondent's score is the mean of their
items, and the two groups are compared with the exact Mann–Whitney U test (the exact permutation distribution of
the rank sum; Mann H. B., Whitney D. R., 1947, *Ann. Math. Statist.* 18(1): 50–60), computed by
:func:`scipy.stats.mannwhitneyu` (``method="exact"``), or by the exact permutation test of the difference in means
(:func:`scipy.stats.permutation_test`, every split enumerated) when scores tie, where the exact U distribution
does not hold. A group of fewer than :data:`MIN_RESPONDENTS` respondents is never shown on its own: with so few,
a person's answer could be read off the number.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

MIN_RESPONDENTS = 3
"""The fewest respondents a side needs before its score is shown on its own."""

EXACT_SPLITS = 1_000_000
"""Above this many ways to split the respondents, the permutation test samples :data:`RANDOM_SPLITS` of them."""

RANDOM_SPLITS = 100_000
"""Random splits of a permutation test too large to enumerate (seeded, so the p-value is reproducible)."""


@dataclass(frozen=True)
class SideGap:
    """Our side's and the partner's scores on one dimension, and whether they differ beyond chance.

    Attributes
    ----------
    ours, partners : float
        Mean respondent score of each side (NaN when the side has fewer than :data:`MIN_RESPONDENTS`).
    respondents : tuple of (int, int)
        Respondents on our side and the partner's.
    p_value : float
        Two-sided exact p-value; NaN when a side is too small to be shown.
    method : str
        ``"exact Mann–Whitney"``, ``"exact permutation"``, ``"permutation (100,000 random splits)"`` for very
        large groups, or ``""`` when not tested.
    """

    ours: float
    partners: float
    respondents: tuple[int, int]
    p_value: float
    method: str

    @property
    def shown(self) -> bool:
        """Both sides have enough respondents to be shown and tested."""
        return min(self.respondents) >= MIN_RESPONDENTS

    @property
    def gap(self) -> float:
        """Our side's score minus the partner's (NaN when not shown)."""
        return self.ours - self.partners


def side_gap(ours: np.ndarray, partners: np.ndarray) -> SideGap:
    """Compare two sides' respondent scores exactly.

    Parameters
    ----------
    ours, partners : numpy.ndarray
        One score per respondent of each side, shapes ``(m,)`` and ``(n,)``.

    Returns
    -------
    SideGap

    Examples
    --------
    >>> gap = side_gap(np.array([4.5, 4.0, 4.2, 4.8]), np.array([3.0, 2.5, 3.1]))
    >>> round(gap.gap, 3), round(gap.p_value, 4), gap.method
    (1.508, 0.0571, 'exact Mann–Whitney')
    >>> side_gap(np.array([4.0, 4.1]), np.array([3.0, 2.5, 3.1])).shown
    False
    """
    ours, partners = np.asarray(ours, dtype=float), np.asarray(partners, dtype=float)
    counts = (int(ours.size), int(partners.size))
    if min(counts) < MIN_RESPONDENTS:
        return SideGap(float("nan"), float("nan"), counts, float("nan"), "")
    pooled = np.concatenate([ours, partners])
    if np.unique(pooled).size == pooled.size:
        p_value = float(stats.mannwhitneyu(ours, partners, alternative="two-sided", method="exact").pvalue)
        method = "exact Mann–Whitney"
    else:
        exact = math.comb(pooled.size, ours.size) <= EXACT_SPLITS
        result = stats.permutation_test((ours, partners), lambda a, b, axis: np.mean(a, axis=axis)
                                        - np.mean(b, axis=axis), permutation_type="independent",
                                        alternative="two-sided", n_resamples=np.inf if exact else RANDOM_SPLITS,
                                        vectorized=True, rng=np.random.default_rng(0))
        p_value = float(result.pvalue)
        method = "exact permutation" if exact else f"permutation ({RANDOM_SPLITS:,} random splits)"
    return SideGap(float(ours.mean()), float(partners.mean()), counts, p_value, method)
