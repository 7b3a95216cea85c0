"""The thesis-check files ``actuals.csv`` and ``pilots.csv``: every rule located by file, line and column.

Each test writes a small ``actuals.csv`` or ``pilots.csv`` into a writable copy of the sample case (fixture
``case_copy``) and checks the problem :func:`load_case` reports: the file, the line (the header is line 1, so
the first data row is line 2) and the column, and a key phrase of the message. The expected ranges are read off
the sample's ``assumptions.csv`` by hand (e.g. A01's ``channel_cost`` is triangular 110000..160000), never
computed by the code under test.

The sample's alliances in flight start on 2024-11-01 (A01..A04) and 2025-05-01 (A05); ``as_of`` is 2026-11-01.
"""

from __future__ import annotations

import hashlib
import math
from pathlib import Path

import pytest
from case_problems import assert_problem, load_problems, the_only_problem
from scipy import stats

from alliance_analytics import load_case
from alliance_analytics.case.model import ActualRow, PilotRow
from alliance_analytics.core.paths import SAMPLE_CASE_DIR
from alliance_analytics.risk.analysis import simulate_case

ACTUALS_HEADER = "alliance_id,assumption_id,period,observed,n,sd,note"
PILOTS_HEADER = "candidate_id,assumption_id,evidence,unit,unit_sd,fixed_cost,unit_cost,max_n"

SAMPLE_ACTUALS = 9
"""Data rows of the sample's actuals.csv."""
SAMPLE_PILOTS = 2
"""Data rows of the sample's pilots.csv."""

PROPOSED = [f"C{number:02d}" for number in range(1, 14)]
IN_FLIGHT = ["A01", "A02", "A03", "A04", "A05"]

# Extra assumptions used to reach the ``beta`` (a share whatever its quantity) and ``gamma`` (a rate) rules; the
# sample has neither distribution. revenue_uplift may be given in several rows, so adding them breaks nothing.
# (The last two cells are the driver columns: no shared driver.)
BETA_AND_GAMMA = [
    "A01,conversion,revenue_uplift,beta,,,,,,0.3,0.1,,,,share,Share of leads converted (test only),,",
    "A01,deal_rate,revenue_uplift,gamma,,,,,,5,2,,,,deals/month,Deals per month (test only),,",
    "C11,adoption,revenue_uplift,beta,,,,,,0.3,0.1,,,,share,Share of clinics adopting (test only),,",
    "C11,visits,revenue_uplift,gamma,,,,,,20,5,,,,visits/month,Clinic visits per month (test only),,",
]


# --- helpers ----------------------------------------------------------------------------------------------


def write_lines(path: Path, header: str, rows: list[str]) -> None:
    """Write a CSV file as the given raw lines (the header first), ending in a newline."""
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")


def write_actuals(case_dir: Path, *rows: str) -> None:
    write_lines(case_dir / "actuals.csv", ACTUALS_HEADER, list(rows))


def write_pilots(case_dir: Path, *rows: str) -> None:
    write_lines(case_dir / "pilots.csv", PILOTS_HEADER, list(rows))


def append_lines(path: Path, *rows: str) -> int:
    """Append rows to a CSV file (which ends in a newline) and return the line of the last one."""
    with path.open("a", encoding="utf-8") as handle:
        handle.write("".join(f"{row}\n" for row in rows))
    return len(path.read_text(encoding="utf-8").splitlines())


def line_of(path: Path, start: str) -> int:
    """The 1-based line of a file that starts with ``start``; exactly one must."""
    lines = [number for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if text.startswith(start)]
    assert len(lines) == 1, f"{start!r} starts lines {lines} of {path.name}"
    return lines[0]


def replace_in(path: Path, old: str, new: str) -> None:
    """Replace text that occurs exactly once in a file."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {path.name}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def snapshot(case_dir: Path) -> dict[str, tuple[bytes, int]]:
    """Every file of a case folder: its bytes and modification time (ns), by name."""
    return {path.name: (path.read_bytes(), path.stat().st_mtime_ns) for path in sorted(case_dir.iterdir())}


# --- the sample and a case without the files ----------------------------------------------------------------


def test_the_sample_loads_with_its_actuals_and_pilots(sample_case):
    actuals, pilots = sample_case.thesis_tables["actuals.csv"], sample_case.thesis_tables["pilots.csv"]
    assert len(actuals) == SAMPLE_ACTUALS and len(pilots) == SAMPLE_PILOTS
    assert list(actuals.columns) == list(ActualRow.model_fields)
    assert list(pilots.columns) == list(PilotRow.model_fields)
    assert sample_case.has_actuals is True
    assert sorted(set(actuals["alliance_id"])) == ["A01", "A03"]
    assert list(pilots["candidate_id"]) == ["C11", "C05"]
    for name in ("actuals.csv", "pilots.csv"):
        assert sample_case.file_hashes[name] == hashlib.sha256((SAMPLE_CASE_DIR / name).read_bytes()).hexdigest()


def test_a_case_without_the_files_loads_with_empty_tables(case_copy):
    (case_copy / "actuals.csv").unlink()
    (case_copy / "pilots.csv").unlink()
    case = load_case(case_copy)
    assert case.has_actuals is False
    for name, model in (("actuals.csv", ActualRow), ("pilots.csv", PilotRow)):
        assert case.thesis_tables[name].empty
        assert list(case.thesis_tables[name].columns) == list(model.model_fields)
        assert name not in case.file_hashes


def test_an_actuals_file_with_only_its_header_has_no_actuals(case_copy):
    write_actuals(case_copy)
    case = load_case(case_copy)
    assert case.has_actuals is False and case.thesis_tables["actuals.csv"].empty
    assert len(case.thesis_tables["pilots.csv"]) == SAMPLE_PILOTS


def test_loading_never_modifies_the_files(case_copy):
    before = snapshot(case_copy)
    load_case(case_copy)
    assert snapshot(case_copy) == before


def test_a_failing_load_never_modifies_the_files_either(case_copy):
    write_actuals(case_copy, "A09,rev_baltics,2025-03,1,,2,", "A01,rev_baltics,2025-13,1,,2,")
    write_pilots(case_copy, "A01,rev_baltics,normal,clinic,1,0,0,10")
    before = snapshot(case_copy)
    assert len(load_problems(case_copy)) == 3
    assert snapshot(case_copy) == before


# --- actuals.csv: one rule at a time ------------------------------------------------------------------------

ACTUAL_PROBLEMS = [
    # evidence strength: exactly one of n / sd
    pytest.param("A01,rev_baltics,2025-03,1150000,3,250000,", "n", ("exactly one of n",), id="both-n-and-sd"),
    pytest.param("A01,rev_baltics,2025-03,1150000,,,", "n", ("exactly one of n",), id="neither-n-nor-sd"),
    pytest.param("A01,rev_baltics,2025-03,1,0,,", "n", ("greater than 0",), id="n-zero"),
    pytest.param("A01,rev_baltics,2025-03,1,,0,", "sd", ("greater than 0",), id="sd-zero"),
    pytest.param("A01,rev_baltics,2025-03,lots,,2,", "observed", ("valid number", "'lots'"), id="observed-not-a-number"),
    # ids
    pytest.param("A09,rev_baltics,2025-03,1,,2,", "alliance_id", ("unknown alliance or candidate 'A09'",
                                                                  "candidates.csv"), id="unknown-alliance"),
    pytest.param("A01,no_such,2025-03,1,,2,", "assumption_id", ("unknown assumption 'no_such' of A01",
                                                                "rev_baltics"), id="unknown-assumption"),
    pytest.param("A01,rev_rehab,2025-03,1,,2,", "assumption_id", ("unknown assumption 'rev_rehab' of A01",),
                 id="another-alliances-assumption"),
    pytest.param("A01,channel_setup,2025-03,400000,,1000,", "assumption_id", ("channel_setup is fixed",),
                 id="fixed-assumption"),
    pytest.param("A01,life,2025-03,5,2,,", "assumption_id", ("life is fixed",), id="fixed-assumption-with-n"),
    # periods
    pytest.param("A01,rev_baltics,2024-10,1150000,,2,", "period", ("2024-10 is before the alliance started (2024-11",),
                 id="before-start"),
    pytest.param("A01,rev_baltics,2026-12,1150000,,2,", "period", ("2026-12 is after as_of (2026-11)",),
                 id="after-as-of"),
    pytest.param("A01,rev_baltics,2025-13,1150000,,2,", "period", ("YYYY-MM", "'2025-13'"), id="not-a-month"),
    pytest.param("A01,rev_baltics,2025-03-01,1150000,,2,", "period", ("YYYY-MM",), id="a-date-not-a-month"),
    # with sd: observed within the range the assumption's distribution allows
    pytest.param("A01,channel_cost,2025-03,109999,,5,", "observed", ("109999 is outside", "(110000 to 160000)"),
                 id="triangular-below-min"),
    pytest.param("A01,channel_cost,2025-03,160001,,5,", "observed", ("160001 is outside", "(110000 to 160000)"),
                 id="triangular-above-max"),
    pytest.param("A03,campaigns,2025-03,149999,,5,", "observed", ("(150000 to 230000)",), id="pert-below-min"),
    pytest.param("A01,rev_baltics,2025-03,-1,,5,", "observed", ("-1 is outside", "(0 to "), id="normal-negative"),
    pytest.param("C03,campaigns,2025-03,350001,,5,", "observed", ("(250000 to 350000)",), id="uniform-above-max"),
    pytest.param("C06,rev_alerts,2025-03,-1,,5,", "observed", ("(0 to ",), id="lognormal-negative"),
    pytest.param("C02,rev_subscriptions,2025-03,-5,,5,", "observed", ("(0 to ",), id="p10-p50-p90-negative"),
    pytest.param("A01,gm_baltics,2025-03,0.43,,0.01,", "observed", ("(0.3 to 0.42)",), id="share-pert-above-max"),
    pytest.param("C01,gm_devices,2025-03,1.01,,0.01,", "observed", ("(0 to 1)",), id="share-normal-above-1"),
    pytest.param("C01,gm_devices,2025-03,-0.01,,0.01,", "observed", ("(0 to 1)",), id="share-normal-below-0"),
    # with n on a share (gross_margin): successes in n trials
    pytest.param("A01,gm_baltics,2025-03,3.5,10,,", "observed", ("count of successes", "3.5"),
                 id="share-successes-not-whole"),
    pytest.param("A01,gm_baltics,2025-03,-1,10,,", "observed", ("count of successes", "at least 0"),
                 id="share-successes-negative"),
    pytest.param("A01,gm_baltics,2025-03,11,10,,", "n", ("n (10) is below the count observed (11)",),
                 id="share-more-successes-than-trials"),
    pytest.param("A01,gm_baltics,2025-03,3,10.5,,", "n", ("number of trials", "whole number", "10.5"),
                 id="share-trials-not-whole"),
    # with n on anything else: events in n periods, which observe a rate (a gamma prior) only
    pytest.param("A01,launch,2025-03,3,2,,", "n", ("observes a rate", "launch is a launch_months",
                                                   "gamma distribution"), id="events-of-a-duration"),
    pytest.param("A01,rev_baltics,2025-03,1150000,1,,", "n", ("observes a rate", "measure it instead (sd)"),
                 id="events-of-a-revenue"),
]


@pytest.mark.parametrize(("row", "column", "phrases"), ACTUAL_PROBLEMS)
def test_an_actual_breaking_one_rule_is_located(case_copy, row, column, phrases):
    write_actuals(case_copy, "A03,rev_rehab,2025-03,520000,,150000,a valid first row", row)
    assert_problem(the_only_problem(case_copy), "actuals.csv", 3, column, *phrases)


ACTUALS_ACCEPTED = [
    pytest.param("A01,rev_baltics,2024-11,1150000,,250000,", id="in-the-start-month"),
    pytest.param("A01,rev_baltics,2026-11,1150000,,250000,", id="in-the-as-of-month"),
    pytest.param("A01,channel_cost,2025-03,110000,,5,", id="triangular-at-min"),
    pytest.param("A01,channel_cost,2025-03,160000,,5,", id="triangular-at-max"),
    pytest.param("A01,rev_baltics,2025-03,0,,5,", id="normal-at-zero"),
    pytest.param("A01,rev_baltics,2025-03,99000000,,5,", id="normal-far-above-its-mean"),
    pytest.param("A01,gm_baltics,2025-03,0,10,,", id="share-no-successes"),
    pytest.param("A01,gm_baltics,2025-03,10,10,,", id="share-every-trial-a-success"),
    pytest.param("A01,deal_rate,2025-03,50,2,,", id="many-events"),
    pytest.param("A01,deal_rate,2025-03,3,2.5,,", id="events-in-a-fraction-of-periods"),
    pytest.param("C01,rev_sensor_devices,2025-03,1500000,,100000,", id="a-proposed-candidates-actual"),
    pytest.param("A01,rev_baltics, 2025-03 , 1150000 ,,250000,", id="spaces-around-cells"),
]


@pytest.mark.parametrize("row", ACTUALS_ACCEPTED)
def test_an_actual_within_the_rules_is_accepted(case_copy, row):
    append_lines(case_copy / "assumptions.csv", *BETA_AND_GAMMA)
    write_actuals(case_copy, row)
    assert len(load_case(case_copy).thesis_tables["actuals.csv"]) == 1


def test_one_observation_per_alliance_assumption_and_month(case_copy):
    write_actuals(case_copy,
                  "A01,rev_baltics,2025-03,1150000,,250000,",
                  "A01,rev_baltics,2025-04,1150000,,250000,",  # another month: fine
                  "A03,rev_rehab,2025-03,520000,,150000,",  # another alliance: fine
                  "A01,rev_baltics,2025-03,1210000,,250000,a second look at March")
    assert_problem(the_only_problem(case_copy), "actuals.csv", 5, "period",
                   "rev_baltics of A01 in 2025-03 is already on line 2")


def test_the_start_month_is_each_alliances_own(case_copy):
    """A05 started in 2025-05: April is before it even though A01 (2024-11) had started by then."""
    append_lines(case_copy / "assumptions.csv",
                 "A05,rev_app_eu,revenue_uplift,triangular,,100000,200000,300000,,,,,,,EUR/year,test only,,")
    write_actuals(case_copy, "A05,rev_app_eu,2025-05,200000,,10000,", "A05,rev_app_eu,2025-04,200000,,10000,")
    assert_problem(the_only_problem(case_copy), "actuals.csv", 3, "period", "before the alliance started (2025-05")


BETA_AND_GAMMA_PROBLEMS = [
    pytest.param("A01,conversion,2025-03,1.2,,0.01,", "observed", ("1.2 is outside", "(0 to 1)"),
                 id="beta-measured-above-1"),
    pytest.param("A01,conversion,2025-03,3,2,,", "n", ("n (2) is below the count observed (3)",),
                 id="beta-more-successes-than-trials"),
    pytest.param("A01,conversion,2025-03,2.5,4,,", "observed", ("count of successes",), id="beta-successes-not-whole"),
    pytest.param("A01,conversion,2025-03,2,4.5,,", "n", ("whole number",), id="beta-trials-not-whole"),
    pytest.param("A01,deal_rate,2025-03,-1,,0.5,", "observed", ("(0 to ",), id="gamma-measured-negative"),
    pytest.param("A01,deal_rate,2025-03,7.5,3,,", "observed", ("count of events",), id="gamma-events-not-whole"),
    pytest.param("A01,deal_rate,2025-03,-1,3,,", "observed", ("count of events", "at least 0"),
                 id="gamma-events-negative"),
    pytest.param("A01,deal_rate,2025-03,50,100000,,", "n", ("would expect more than 100,000 events",),
                 id="gamma-too-many-periods"),
]


@pytest.mark.parametrize(("row", "column", "phrases"), BETA_AND_GAMMA_PROBLEMS)
def test_a_beta_assumption_is_a_share_whatever_its_quantity(case_copy, row, column, phrases):
    append_lines(case_copy / "assumptions.csv", *BETA_AND_GAMMA)
    measured = row.split(",")[5] != ""  # one assumption's actuals are all measured (sd) or all counted (n)
    earlier = (("A01,conversion,2025-02,0.3,,0.05,", "A01,deal_rate,2025-02,4,,1,") if measured
               else ("A01,conversion,2025-02,3,10,,", "A01,deal_rate,2025-02,11,2.5,,"))
    write_actuals(case_copy, *earlier, row)
    assert_problem(the_only_problem(case_copy), "actuals.csv", 4, column, *phrases)


def test_a_gamma_rate_is_not_a_share(case_copy):
    """7 events in 3 periods of a rate: more events than periods is fine (only a share caps successes at n)."""
    append_lines(case_copy / "assumptions.csv", *BETA_AND_GAMMA)
    write_actuals(case_copy, "A01,deal_rate,2025-03,7,3,,", "A01,deal_rate,2025-04,4,1,,")
    assert len(load_case(case_copy).thesis_tables["actuals.csv"]) == 2


# --- pilots.csv: one rule at a time -------------------------------------------------------------------------

PILOT_PROBLEMS = [
    # candidates
    pytest.param("A01,rev_baltics,normal,month,100000,0,0,10", "candidate_id",
                 ("'A01' is an alliance in flight", "actuals.csv"), id="alliance-in-flight"),
    pytest.param("C99,rev_app,normal,clinic,1,0,0,10", "candidate_id",
                 ("unknown candidate 'C99'", "proposed candidate"), id="unknown-candidate"),
    pytest.param(",rev_app,normal,clinic,1,0,0,10", "candidate_id", ("blank",), id="blank-candidate"),
    # assumptions
    pytest.param("C11,no_such,normal,clinic,1,0,0,10", "assumption_id",
                 ("unknown assumption 'no_such' of C11", "rev_app"), id="unknown-assumption"),
    pytest.param("C11,rev_sensor_devices,normal,clinic,1,0,0,10", "assumption_id",
                 ("unknown assumption 'rev_sensor_devices' of C11",), id="another-candidates-assumption"),
    pytest.param("C11,life,normal,clinic,1,0,0,10", "assumption_id", ("life is fixed",), id="fixed-assumption"),
    # evidence and unit_sd
    pytest.param("C11,launch,normal,clinic,,0,0,10", "unit_sd", ("give unit_sd",), id="normal-without-unit-sd"),
    pytest.param("C11,gm_app,binomial,clinic,0.1,0,0,10", "unit_sd", ("binomial", "leave unit_sd blank"),
                 id="binomial-with-unit-sd"),
    pytest.param("C11,visits,poisson,month,0.1,0,0,10", "unit_sd", ("poisson", "leave unit_sd blank"),
                 id="poisson-with-unit-sd"),
    pytest.param("C11,launch,normal,clinic,0,0,0,10", "unit_sd", ("greater than 0",), id="unit-sd-zero"),
    pytest.param("C11,launch,bayes,clinic,,0,0,10", "evidence", ("'normal', 'binomial' or 'poisson'", "'bayes'"),
                 id="unknown-evidence"),
    pytest.param("C11,rev_app,binomial,clinic,,0,0,10", "evidence",
                 ("binomial pilot observes a share", "rev_app is a revenue_uplift"), id="binomial-not-a-share"),
    pytest.param("C11,gm_app,poisson,month,,0,0,10", "evidence", ("gm_app is a share", "not as a count"),
                 id="poisson-on-a-share"),
    pytest.param("C11,rev_app,poisson,month,,0,0,1", "evidence", ("observes a rate", "rev_app is a revenue_uplift"),
                 id="poisson-on-a-revenue"),
    pytest.param("C11,launch,poisson,month,,0,0,12", "evidence", ("observes a rate", "launch is a launch_months"),
                 id="poisson-on-months"),
    # costs and size
    pytest.param("C11,rev_app,normal,clinic,1,-1,0,10", "fixed_cost", ("greater than or equal to 0",),
                 id="negative-fixed-cost"),
    pytest.param("C11,rev_app,normal,clinic,1,0,-1,10", "unit_cost", ("greater than or equal to 0",),
                 id="negative-unit-cost"),
    pytest.param("C11,rev_app,normal,clinic,1,0,0,0", "max_n", ("greater than or equal to 1",), id="max-n-zero"),
    pytest.param("C11,rev_app,normal,clinic,1,0,0,10001", "max_n", ("less than or equal to 10000",),
                 id="max-n-above-10000"),
    pytest.param("C11,rev_app,normal,clinic,1,0,0,2.5", "max_n", ("valid integer",), id="max-n-not-whole"),
    pytest.param("C11,rev_app,normal,,1,0,0,10", "unit", ("blank",), id="blank-unit"),
]


@pytest.mark.parametrize(("row", "column", "phrases"), PILOT_PROBLEMS)
def test_a_pilot_breaking_one_rule_is_located(case_copy, row, column, phrases):
    append_lines(case_copy / "assumptions.csv", *BETA_AND_GAMMA)
    write_pilots(case_copy, "C05,study_savings,normal,pilot study,300000,10000,12000,20", row)
    assert_problem(the_only_problem(case_copy), "pilots.csv", 3, column, *phrases)


def test_a_pilot_is_refused_twice(case_copy):
    write_pilots(case_copy,
                 "C11,rev_app,normal,pilot clinic,500000,8000,2500,40",
                 "C11,gm_app,binomial,patient,,0,10,200",  # another assumption of the same candidate: fine
                 "C11,rev_app,normal,pilot clinic,400000,5000,2000,30")
    assert_problem(the_only_problem(case_copy), "pilots.csv", 4, "assumption_id",
                   "a pilot of rev_app for C11 is already on line 2")


PILOTS_ACCEPTED = [
    pytest.param("C11,gm_app,binomial,patient,,0,10,200", id="binomial-on-a-share"),
    pytest.param("C11,gm_app,normal,patient,0.05,0,10,200", id="normal-on-a-share"),
    pytest.param("C11,visits,poisson,month,,0,0,12", id="poisson-on-a-gamma-rate"),
    pytest.param("C11,rev_app,normal,clinic,500000,0,0,1", id="max-n-1-no-costs"),
    pytest.param("C11,rev_app,normal,clinic,500000,1000000,50000,10000", id="max-n-10000"),
    pytest.param("C11,adoption,binomial,clinic,,0,100,50", id="binomial-on-a-beta"),
]


@pytest.mark.parametrize("row", PILOTS_ACCEPTED)
def test_a_pilot_within_the_rules_is_accepted(case_copy, row):
    append_lines(case_copy / "assumptions.csv", *BETA_AND_GAMMA)
    write_pilots(case_copy, row)
    assert len(load_case(case_copy).thesis_tables["pilots.csv"]) == 1


def test_a_poisson_pilot_on_a_beta_share_is_refused(case_copy):
    append_lines(case_copy / "assumptions.csv", *BETA_AND_GAMMA)
    write_pilots(case_copy, "C11,adoption,poisson,month,,0,0,10")
    assert_problem(the_only_problem(case_copy), "pilots.csv", 2, "evidence", "adoption is a share")


def largest_poisson_max_n() -> int:
    """The largest max_n whose expected count stays within 100,000 for C11's visits (gamma, mean 20, sd 5).

    Worked out independently: a gamma with mean m and sd s has shape m²/s² = 16 and scale s²/m = 1.25
    (BDA3 appendix A), so its P99.9 is gamma(16, scale 1.25).ppf(0.999).
    """
    p999 = stats.gamma(16, scale=1.25).ppf(0.999)
    assert 35 < p999 < 45
    return math.floor(100_000 / p999)


def test_a_poisson_pilot_at_the_limit_is_accepted(case_copy):
    append_lines(case_copy / "assumptions.csv", *BETA_AND_GAMMA)
    largest = largest_poisson_max_n()
    write_pilots(case_copy, f"C11,visits,poisson,month,,0,0,{largest}")
    assert load_case(case_copy).thesis_tables["pilots.csv"]["max_n"].tolist() == [largest]


def test_a_poisson_pilot_just_beyond_the_limit_is_refused(case_copy):
    append_lines(case_copy / "assumptions.csv", *BETA_AND_GAMMA)
    largest = largest_poisson_max_n()
    write_pilots(case_copy, "C05,study_savings,normal,pilot study,300000,10000,12000,20",
                 f"C11,visits,poisson,month,,0,0,{largest + 1}")
    assert_problem(the_only_problem(case_copy), "pilots.csv", 3, "evidence",
                   f"up to {largest + 1} periods", "more than 100,000 events of visits")


# --- every problem at once -----------------------------------------------------------------------------------


def test_every_problem_of_both_files_is_reported_at_once_on_its_line(case_copy):
    """Mistakes of every kind on different lines, past a blank line and a note spanning two lines."""
    write_lines(case_copy / "actuals.csv", ACTUALS_HEADER, [
        "A01,rev_baltics,2025-03,1150000,,250000,fine",  # 2
        "A09,rev_baltics,2025-03,1,,2,",  # 3: unknown alliance
        "",  # 4: blank
        "A01,rev_baltics,2025-13,1,,2,",  # 5: not a month
        "A01,channel_setup,2025-04,400000,,1000,",  # 6: fixed
        'A01,rev_baltics,2025-04,1210000,,250000,"a note',  # 7: fine, its note spans lines 7 and 8
        'spanning two lines"',  # 8
        "A01,channel_cost,2024-09,100000,,5,",  # 9: before start, and outside 110000..160000
        "A01,rev_baltics,2025-03,1090000,,250000,",  # 10: a second 2025-03
        "A01,gm_baltics,2025-05,12,10,,",  # 11: more successes than trials
        "A01,launch,2027-01,3,,0.25,",  # 12: after as_of
        "A01,launch,2025-02,3,1,0.25,",  # 13: n and sd
    ])
    write_pilots(case_copy,
                 "A03,rev_rehab,normal,clinic,1000,0,0,10",  # 2: alliance in flight
                 "C11,rev_app,binomial,clinic,,0,0,10",  # 3: not a share
                 "C11,launch,normal,clinic,,0,0,10",  # 4: no unit_sd
                 "C05,study_savings,normal,pilot study,300000,-5,12000,20")  # 5: negative cost
    found = sorted((problem.file, problem.line, problem.column) for problem in load_problems(case_copy))
    assert found == [
        ("actuals.csv", 3, "alliance_id"),
        ("actuals.csv", 5, "period"),
        ("actuals.csv", 6, "assumption_id"),
        ("actuals.csv", 9, "observed"),
        ("actuals.csv", 9, "period"),
        ("actuals.csv", 10, "period"),
        ("actuals.csv", 11, "n"),
        ("actuals.csv", 12, "period"),
        ("actuals.csv", 13, "n"),
        ("pilots.csv", 2, "candidate_id"),
        ("pilots.csv", 3, "evidence"),
        ("pilots.csv", 4, "unit_sd"),
        ("pilots.csv", 5, "fixed_cost"),
    ]


def test_the_problems_of_the_thesis_files_come_with_those_of_other_files(case_copy):
    """A problem elsewhere in the case does not hide the thesis files' problems, nor the other way round."""
    scores = case_copy / "scores.csv"
    last = append_lines(scores, "C01,strategic_fit,A. Keller (Strategy),9,too high")
    write_actuals(case_copy, "A01,rev_baltics,2026-12,1150000,,250000,")
    write_pilots(case_copy, "C99,rev_app,normal,clinic,1,0,0,10")
    found = sorted((problem.file, problem.line, problem.column) for problem in load_problems(case_copy))
    assert ("scores.csv", last, "score") in found
    assert ("actuals.csv", 2, "period") in found and ("pilots.csv", 2, "candidate_id") in found


# --- no cascade ----------------------------------------------------------------------------------------------


def test_an_invalid_assumption_row_does_not_make_the_actuals_of_its_alliance_unknown(case_copy):
    """The sample's actuals of A01 name rev_baltics; a misspelt distribution on that row is the only problem."""
    assumptions = case_copy / "assumptions.csv"
    line = line_of(assumptions, "A01,rev_baltics,")
    replace_in(assumptions, "A01,rev_baltics,revenue_uplift,normal,", "A01,rev_baltics,revenue_uplift,normall,")
    assert_problem(the_only_problem(case_copy), "assumptions.csv", line, "distribution", "'normall'")


def test_an_assumption_row_with_bad_parameters_does_not_make_its_actuals_unknown(case_copy):
    assumptions = case_copy / "assumptions.csv"
    line = line_of(assumptions, "A01,channel_cost,")
    replace_in(assumptions, "A01,channel_cost,running_cost,triangular,,110000,130000,160000",
               "A01,channel_cost,running_cost,triangular,,110000,170000,160000")
    assert_problem(the_only_problem(case_copy), "assumptions.csv", line, "mode", "min <= mode <= max")


def test_an_invalid_assumption_row_does_not_make_the_pilots_of_its_candidate_unknown(case_copy):
    """The sample's pilot of C11 names rev_app; a misspelt distribution on that row is the only problem."""
    assumptions = case_copy / "assumptions.csv"
    line = line_of(assumptions, "C11,rev_app,")
    replace_in(assumptions, "C11,rev_app,revenue_uplift,pert,", "C11,rev_app,revenue_uplift,perty,")
    assert_problem(the_only_problem(case_copy), "assumptions.csv", line, "distribution", "'perty'")


def test_an_invalid_actuals_row_is_not_also_called_a_duplicate(case_copy):
    write_actuals(case_copy, "A01,rev_baltics,2025-03,lots,,250000,", "A01,rev_baltics,2025-03,1150000,,250000,")
    assert_problem(the_only_problem(case_copy), "actuals.csv", 2, "observed", "valid number")


def test_a_share_actual_without_n_or_sd_is_one_located_problem(case_copy):
    write_actuals(case_copy, "A01,gm_baltics,2025-03,0.35,,,")
    assert_problem(the_only_problem(case_copy), "actuals.csv", 2, "n", "exactly one of n")


def test_an_actual_without_n_or_sd_is_not_also_checked_as_a_count(case_copy):
    write_actuals(case_copy, "A01,rev_baltics,2025-03,1150000.5,,,")
    assert_problem(the_only_problem(case_copy), "actuals.csv", 2, "n", "exactly one of n")


def test_one_assumptions_actuals_do_not_mix_sd_and_n(case_copy):
    append_lines(case_copy / "assumptions.csv", *BETA_AND_GAMMA)
    write_actuals(case_copy, "A01,deal_rate,2025-03,5,,1,", "A01,deal_rate,2025-04,3,2,,")
    problem = the_only_problem(case_copy)
    assert (problem.file, problem.line) == ("actuals.csv", 3) and problem.column in ("n", "sd"), str(problem)


# --- alliances in flight elsewhere in the case ----------------------------------------------------------------


def test_the_risk_simulation_leaves_out_the_alliances_in_flight(sample_case):
    assert {"A01", "A03"} <= set(sample_case.assumptions["candidate_id"])
    assert list(sample_case.alliances.index) == IN_FLIGHT
    assert list(sample_case.candidates.index) == PROPOSED
    result = simulate_case(sample_case, iterations=200, sensitivity=False)
    assert list(result.candidates) == PROPOSED
    assert list(result.scenarios.columns) == PROPOSED


def test_risks_and_correlations_may_describe_an_alliance_in_flight(case_copy):
    append_lines(case_copy / "risks.csv",
                 "A01,provider_churn,Home-care provider churn,0.2,one_off_cost,10000,20000,40000,,,")
    append_lines(case_copy / "correlations.csv", "A01,rev_baltics,launch,-0.4")
    case = load_case(case_copy)
    assert "A01" in set(case.risks["candidate_id"])
    assert list(simulate_case(case, iterations=200, sensitivity=False).candidates) == PROPOSED


@pytest.mark.parametrize(("file", "row"), [
    ("assumptions.csv", "A09,rev_x,revenue_uplift,triangular,,1,2,3,,,,,,,EUR/year,unknown id,,"),
    ("risks.csv", "A09,churn,Churn,0.2,one_off_cost,10000,20000,40000,,,"),
    ("correlations.csv", "A09,rev_x,launch,-0.4"),
])
def test_an_unknown_id_is_still_refused_in_the_per_candidate_files(case_copy, file, row):
    """Accepting alliances in flight did not open these files to any id. (For correlations.csv the unknown
    candidate's two assumptions are reported as well, on the same line.)"""
    line = append_lines(case_copy / file, row)
    problems = load_problems(case_copy)
    assert_problem(problems[0], file, line, "candidate_id", "unknown candidate 'A09'")
    assert {(problem.file, problem.line) for problem in problems} == {(file, line)}


@pytest.mark.parametrize("alliance", ["A01", "A05"])
def test_scores_of_an_alliance_in_flight_are_still_refused(case_copy, alliance):
    line = append_lines(case_copy / "scores.csv", f"{alliance},strategic_fit,A. Keller (Strategy),4,fine")
    assert_problem(the_only_problem(case_copy), "scores.csv", line, "candidate_id",
                   f"'{alliance}' is an alliance in flight", "proposed candidates only")
