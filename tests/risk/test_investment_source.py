"""A candidate's one-off investment is never left out of its NPV, and two different statements of it are flagged."""

from __future__ import annotations

import numpy as np
import pandas as pd

from alliance_analytics import load_case
from alliance_analytics.risk.analysis import simulate_case


def _assumptions(folder) -> pd.DataFrame:
    return pd.read_csv(folder / "assumptions.csv", dtype=str, keep_default_na=False)


def test_without_an_investment_assumption_the_npv_pays_the_candidates_csv_investment(tmp_path, case_copy):
    import shutil
    zero = tmp_path / "zero"
    shutil.copytree(case_copy, zero)
    table = _assumptions(case_copy)
    row = (table["candidate_id"] == "C03") & (table["quantity"] == "investment")
    assert table.loc[row, "distribution"].tolist() == ["fixed"]
    table[~row].to_csv(case_copy / "assumptions.csv", index=False)
    zeroed = _assumptions(zero)
    zeroed.loc[row, "value"] = "0"
    zeroed.to_csv(zero / "assumptions.csv", index=False)
    without = simulate_case(load_case(case_copy), iterations=500, seed=3, sensitivity=False).candidates["C03"].npv
    free = simulate_case(load_case(zero), iterations=500, seed=3, sensitivity=False).candidates["C03"].npv
    investment = float(load_case(case_copy).candidates.at["C03", "investment"])
    np.testing.assert_allclose(without, free - investment, rtol=0, atol=1e-6)


def test_two_different_investments_are_a_warning_naming_both_lines(case_copy, sample_case):
    table = pd.read_csv(case_copy / "candidates.csv", dtype=str, keep_default_na=False)
    table.loc[table["candidate_id"] == "C01", "investment"] = "1000000"
    table.to_csv(case_copy / "candidates.csv", index=False)
    warnings = [warning for warning in load_case(case_copy).warnings if "investment differs" in warning]
    assert len(warnings) == 1
    assert warnings[0].startswith("C01's investment differs: 1000000 in candidates.csv (line 2")
    assert "900000 at the centre of its investment assumptions (assumptions.csv, line 5" in warnings[0]
    assert not [warning for warning in sample_case.warnings if "investment differs" in warning]
