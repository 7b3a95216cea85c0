"""``validate`` says what the strategy gate will do, in business words (field-failures issue, kind 2)."""

from __future__ import annotations

import pandas as pd

from alliance_analytics import load_case
from alliance_analytics.fit.gates import gate_outlook


def _outlook(case) -> list[str]:
    return gate_outlook(case.candidates, case.settings.strategy, case.settings.as_of)


def test_the_sample_outlook_names_who_fails_and_why(sample_case):
    lacking_o3 = [c for c, served in sample_case.candidates["objectives"].items() if "O3" not in served]
    phased = sample_case.candidates.index[pd.to_datetime(sample_case.candidates["phase_out_date"])
                                          < pd.Timestamp("2029-12-31")].tolist()
    assert lacking_o3 == ["C07"] and phased == ["C03"]
    assert _outlook(sample_case) == [
        "1 of 13 candidates does not support required objective O3 (Keep patient data in the EU (GDPR and data "
        "residency)) and will fail the strategy gate: C07.",
        "2 of 13 candidates are phased out before the strategic horizon or before the alliance would pay back "
        "and will fail the strategy gate: C03, C04.",
    ]


def test_when_nobody_passes_the_outlook_says_so(case_copy):
    table = pd.read_csv(case_copy / "candidates.csv", dtype=str, keep_default_na=False)
    table["objectives"] = "O1;O2"
    table.to_csv(case_copy / "candidates.csv", index=False)
    lines = _outlook(load_case(case_copy))
    assert lines[0].startswith("13 of 13 candidates do not support required objective O3 ")
    assert lines[-1] == "No candidate will pass the strategy gate: every analysis will report only walk-aways."


def test_validate_prints_the_outlook(sample_case):
    from click.testing import CliRunner

    from alliance_analytics.cli import main
    from alliance_analytics.core.paths import SAMPLE_CASE_DIR

    result = CliRunner().invoke(main, ["validate", str(SAMPLE_CASE_DIR)])
    assert result.exit_code == 0
    assert [line.removeprefix("outlook: ") for line in result.output.splitlines() if line.startswith("outlook: ")] \
        == _outlook(sample_case)
