"""One vocabulary of verdicts: every engine speaks it, sampled and bounded engines state
their bound, the check table is one row per property, and nothing passes vacuously."""

from __future__ import annotations

import json

import pytest

from vmspec.model import CONFIGS
from vmspec.properties.cli.main import main
from vmspec.properties.engines import walk
from vmspec.properties.evidence.verdict import (
    HOLDS,
    NOT_FALSIFIED,
    PROVED,
    REACHED,
    STATUSES,
    VIOLATED,
    Tally,
    Target,
    Verdict,
)


def _v(name, engine, status, bound=""):
    return Verdict(name, "R1", "always", engine, status, bound=bound)


def test_statuses_are_a_closed_set_and_not_falsified_states_its_bound():
    assert STATUSES == ("proved", "holds", "not falsified", "reached", "violated", "not reached", "unknown")
    with pytest.raises(ValueError, match="expected one of"):
        _v("p", "walk", "passes")
    with pytest.raises(ValueError, match="without stating its bound"):
        _v("p", "walk", NOT_FALSIFIED)
    assert _v("p", "walk", NOT_FALSIFIED, "10 steps").to_json()["bound"] == "10 steps"


def test_tally_takes_each_property_at_its_strongest_verdict():
    t = Tally.of([
        _v("a", "walk", NOT_FALSIFIED, "10 steps"), _v("a", "z3", PROVED),
        _v("b", "walk", NOT_FALSIFIED, "10 steps"), _v("b", "explore", HOLDS),
        _v("c", "walk", NOT_FALSIFIED, "10 steps"),
        Verdict("d", "R1", "sometimes", "walk", REACHED),
    ])
    assert (t.proved, t.exhausted, t.sampled, t.reached, t.ok) == (["a"], ["b"], ["c"], ["d"], True)
    line = t.closing_line()
    assert line.startswith("no property failed: 1 proved, 1 hold by exhaustive search, 1 only sampled")
    assert "walk 10 steps" in line


def test_tally_fails_a_property_any_engine_fails():
    t = Tally.of([_v("a", "z3", PROVED), _v("a", "walk", VIOLATED)])
    assert not t.ok and t.failing == {"violated": ["a"]} and t.proved == []
    assert t.closing_line().startswith("FAILED (1 properties: violated: a)")


def test_walks_never_say_holds():
    cfg = CONFIGS["TINY"]
    r = walk.stage(Target(cfg.topology, cfg.params, "TINY"), steps=300, seed=1)
    assert {v.status for v in r.verdicts} <= {NOT_FALSIFIED, REACHED}
    assert all(v.bound == "300 steps" for v in r.verdicts if v.status == NOT_FALSIFIED)
    assert r.bound == "300 steps, seed 1"


# ---------------------------------------------------------------------- vmspec check


def test_check_table_is_one_row_per_property_with_bounds_in_the_header(capsys, tmp_path):
    rc = main(["check", "--config", "TINY", "--steps", "3000", "--skip", "explore", "--skip", "fuzz",
               "--skip", "z3", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert rc == 0
    rows = [line for line in out.splitlines() if line.startswith("│ ")]
    names = [r.split("│")[1].strip() for r in rows]
    assert len(names) == len(set(names)) and "type_ok" in names and "capture_contract_R10" in names
    assert "3,000 steps" in out and "1 rollout" in out  # each engine's bound in its header
    last = out.strip().splitlines()[-1]
    assert last.startswith("no property failed: 0 proved, 0 hold by exhaustive search,")
    assert "walk 3,000 steps" in last


def test_check_json_keeps_every_verdict_and_the_tally(capsys, tmp_path):
    rc = main(["check", "--config", "TINY", "--steps", "3000", "--skip", "explore", "--skip", "fuzz",
               "--skip", "z3", "--out", str(tmp_path), "--json"])
    data = json.loads(capsys.readouterr().out)
    assert rc == 0 and data["tally"]["ok"] and data["closing"].startswith("no property failed")
    assert {s["engine"] for s in data["stages"]} == {"walk", "events"} and all(s["bound"] for s in data["stages"])
    assert {v["status"] for v in data["verdicts"]} <= {"not falsified", "reached"}


def test_check_refuses_to_check_nothing(capsys):
    skip = [a for s in ("walk", "explore", "fuzz", "z3", "events") for a in ("--skip", s)]
    assert main(["check", "--config", "TINY", *skip]) == 2
    err = capsys.readouterr().err
    assert "nothing would be checked" in err and "--skip" in err and "Traceback" not in err


def test_check_refuses_an_unknown_stage(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["check", "--config", "TINY", "--skip", "wlak"])
    assert exc.value.code == 2
    assert "unknown stage 'wlak'; choose from walk, explore, fuzz, z3, events" in capsys.readouterr().err


def test_check_that_gave_no_verdict_exits_2(capsys, tmp_path, monkeypatch):
    """A stage that ran but judged nothing (an engine with nothing to say about the target)
    leaves the run empty: that is not a pass."""
    from vmspec.properties.engines import check as check_mod
    from vmspec.properties.evidence.verdict import StageResult

    silent = check_mod.Stage("walk", lambda target, opts: StageResult("walk", [], "judged nothing"), "silent")
    monkeypatch.setattr(check_mod, "STAGES", [silent])
    rc = main(["check", "--config", "TINY", "--out", str(tmp_path)])
    assert rc == 2 and "nothing was checked" in capsys.readouterr().err
