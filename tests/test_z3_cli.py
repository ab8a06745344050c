"""`vmspec prove`: exit codes, the checklist, counterexample files, JSON and bad input."""

from __future__ import annotations

import json

from vmspec.properties.cli.main import main
from vmspec.properties.evidence.counterexample import Counterexample, replay


def test_prove_tiny_passes(capsys):
    assert main(["prove", "--config", "TINY", "--depth", "2"]) == 0
    out = capsys.readouterr().out
    assert "platform_resume_host preserves R1 frozen_memory_matches_snapshot ... ok" in out
    assert "no property failed" in out and "proved" in out


def test_prove_mutant_fails_and_writes_replayable_counterexample(tmp_path, capsys):
    # incarnation_not_bumped: violated at depth 3 (no_watchdog's depth 8 costs ten times as much
    # solving; tests/test_z3_bmc.py finds every safety mutant at its minimal depth)
    rc = main(["prove", "--config", "TINY", "--mutant", "incarnation_not_bumped", "--out", str(tmp_path)])
    assert rc == 1
    assert "VIOLATED" in capsys.readouterr().out
    c = Counterexample.load(tmp_path / "z3-incarnation_not_bumped-incarnation_tracks_changes.json")
    assert c.engine == "z3" and len(c) == 3 and replay(c).reproduced


def test_prove_json_unsafe_topology_fails_as_explore_does(capsys):
    """The topology check counts like the explorer's R18 lasso on the same configuration: exit 1."""
    assert main(["prove", "--config", "UNSAFE_SHARED_HOST", "--depth", "1", "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert not data["ok"] and not data["topology"]["safe"]
    assert data["topology"]["witnesses"][0]["host"] == "h0"
    status = {v["property"]: v["status"] for v in data["verdicts"]}
    assert status.pop("topology_admits_r5_order") == "violated"
    assert set(status.values()) <= {"proved", "not falsified"}
    assert main(["explore", "--config", "UNSAFE_SHARED_HOST", "--json"]) == 1
    capsys.readouterr()


def test_all_sizes(capsys):
    assert main(["prove", "--all-sizes"]) == 0
    out = capsys.readouterr().out
    assert "rules proved for all sizes: R0, R1" in out
    assert main(["prove", "--all-sizes", "--mutant", "slice_guard_dropped"]) == 1


def test_bad_input_exits_2(tmp_path, capsys):
    bad = tmp_path / "t.toml"
    bad.write_text("[[hosts]]\nname = 3\n")
    assert main(["prove", "--topology", str(bad)]) == 2
    err = capsys.readouterr().err
    assert str(bad) in err and "Traceback" not in err
    assert main(["prove", "--all-sizes", "--mutant", "event_id_reused"]) == 2
    assert "--mutant" in capsys.readouterr().err
    assert not list(tmp_path.glob("z3-*"))


def test_depth_must_be_a_number(capsys):
    try:
        main(["prove", "--depth", "-3"])
    except SystemExit as exc:
        assert exc.code == 2
    else:
        raise AssertionError("argparse accepted a negative depth")
