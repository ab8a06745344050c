"""The command line: verdict tables, exit statuses 0/1/2, --json, clear errors without tracebacks."""

import json

from vmspec.properties.cli.main import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_check_passes_on_tiny(capsys, tmp_path):
    code, out, _ = run(capsys, "check", "--config", "TINY", "--steps", "3000", "--skip", "explore",
                       "--skip", "fuzz", "--skip", "prove", "--out", str(tmp_path), "--json")
    data = json.loads(out)
    assert code == 0 and data["ok"] and data["target"] == "TINY"
    walk = next(v for v in data["verdicts"] if v["property"] == "reach_freeze" and v["engine"] == "walk")
    assert walk["status"] == "reached"
    assert not list(tmp_path.iterdir())


def test_check_fails_on_a_mutant_and_writes_the_counterexample(capsys, tmp_path):
    code, out, _ = run(capsys, "check", "--mutant", "slice_guard_dropped", "--steps", "3000", "--skip", "explore",
                       "--skip", "fuzz", "--skip", "prove", "--out", str(tmp_path))
    assert code == 1 and "FAILED" in out and "one_slice_at_a_time" in out
    files = sorted(p.name for p in tmp_path.glob("*.json"))
    assert "walk-slice_guard_dropped-one_slice_at_a_time.json" in files
    code, out, _ = run(capsys, "replay", str(tmp_path / "walk-slice_guard_dropped-one_slice_at_a_time.json"))
    assert code == 1 and "reproduced:" in out


def test_bad_topology_file_exits_2_with_file_and_field(capsys, tmp_path):
    p = tmp_path / "bad.toml"
    p.write_text('[[availability_sets]]\nname = "a"\nupdate_domains = 40\n')
    code, out, err = run(capsys, "check", "--topology", str(p), "--steps", "10")
    assert code == 2 and out == ""
    assert str(p) in err and "update_domains must be 1..20, got 40" in err and "Traceback" not in err


def test_missing_replay_file_exits_2(capsys, tmp_path):
    code, _, err = run(capsys, "replay", str(tmp_path / "nope.json"))
    assert code == 2 and "cannot read file" in err


def test_unknown_config_is_a_usage_error(capsys):
    try:
        main(["check", "--config", "HUGE"])
    except SystemExit as exc:
        assert exc.code == 2
    else:
        raise AssertionError("argparse accepted an unknown configuration")
    assert "invalid choice: 'HUGE'" in capsys.readouterr().err


def test_mutants_lists_one_a_line_name_first(capsys):
    code, out, _ = run(capsys, "mutants")
    lines = out.splitlines()
    assert code == 0 and lines[0].split()[0] == "slice_guard_dropped" and len(lines) >= 19
    code, out, _ = run(capsys, "mutants", "--json")
    assert {"name", "rule", "breaks"} <= set(json.loads(out)[0])


def test_rules_and_configs(capsys):
    code, out, _ = run(capsys, "rules")
    assert code == 0 and out.startswith("R0 ") and "not checked:" in out
    code, out, _ = run(capsys, "configs", "--json")
    assert {c["name"] for c in json.loads(out)} >= {"TINY", "SMALL", "AZURE_DEFAULT"}
