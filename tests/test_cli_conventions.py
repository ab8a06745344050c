"""One set of command-line conventions: one default configuration, -o/--output a file and --out a
directory, --json everywhere, one name for the Z3 engine, conflicting options refused, input
bounds raised by a flag."""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import pytest

from vmspec.properties.cli.main import main
from vmspec.properties.engines.check import STAGES

cli = importlib.import_module("vmspec.properties.cli.main")
ROOT = Path(__file__).parents[1]
CX = str(ROOT / "notes" / "examples" / "no_watchdog.json")


def run(capsys, *argv):
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def test_one_default_configuration_for_every_command():
    for name in ("trace", "prove", "serve", "explore", "events", "fuzz", "core"):
        module = importlib.import_module(f"vmspec.properties.cli.{name}")
        assert getattr(module, "DEFAULT_CONFIG", cli.DEFAULT_CONFIG) == cli.DEFAULT_CONFIG == "AZURE_DEFAULT"
    opts = cli.build_parser().parse_args(["trace", "export", "-o", "x.jsonl"])
    assert cli.target_from(opts).label == "AZURE_DEFAULT"


def test_report_takes_json_and_refuses_it_beside_format(capsys):
    code, out, _ = run(capsys, "report", CX, "--json")
    assert code == 0 and json.loads(out)["counterexample"]["property"] == "freeze_within_bound"
    code, _, err = run(capsys, "report", CX, "--json", "--format", "md")
    assert code == 2 and "not allowed with argument" in err


def test_events_export_takes_json_with_an_output_file(capsys, tmp_path):
    out_file = tmp_path / "c.jsonl"
    code, out, _ = run(capsys, "events", "export", "--config", "TINY", "--steps", "50", "-o", str(out_file), "--json")
    data = json.loads(out)
    assert code == 0 and data["file"] == str(out_file) and data["observations"] >= 1
    assert len(out_file.read_text().splitlines()) == data["observations"] + 1  # the header, then the observations
    code, out, err = run(capsys, "events", "export", "--config", "TINY", "--json")
    assert code == 2 and "-o/--output" in err and out == ""


@pytest.mark.parametrize("argv", [
    ["replay", CX, "--json", "--python"],
    ["rules", "--json", "--markdown"],
    ["trace", "export", "--config", "TINY", "--topology", "t.toml", "-o", "x"],
])
def test_conflicting_options_are_refused(capsys, argv):
    code, _, err = run(capsys, *argv)
    assert code == 2 and "not allowed with argument" in err


@pytest.mark.parametrize("extra", [["--config", "TINY"], ["--profile", "typical-2026"], ["--depth", "3"]])
def test_prove_all_sizes_refuses_what_it_would_ignore(capsys, extra):
    code, _, err = run(capsys, "prove", "--all-sizes", *extra)
    assert code == 2 and "--all-sizes" in err and extra[0] in err


def test_the_z3_engine_has_one_name():
    assert "z3" in {s.name for s in STAGES} and "prove" not in {s.name for s in STAGES}
    from vmspec.properties.engines.z3 import decode, engine

    assert decode.ENGINE == engine.ENGINE == "z3"
    opts = cli.build_parser().parse_args(["check", "--skip", "prove", "--skip", "walk"])
    assert opts.skip == ["z3", "walk"]  # the old stage name still works


def test_unbounded_work_is_refused_with_its_limit(capsys):
    code, _, err = run(capsys, "events", "export", "--steps", "1000000000000")
    assert code == 2 and "beyond the limit of 10,000,000" in err


def test_input_bounds_can_be_raised_and_are_restored(capsys, tmp_path):
    p = tmp_path / "c.jsonl"
    p.write_text('{"observed_at": "2024-01-01T00:00:00Z", "http_status": 429, "note": "' + "x" * 2000 + '"}\n')
    code, _, err = run(capsys, "events", "check", str(p), "--max-line-bytes", "1000")
    assert code == 2 and "line longer than 1000 bytes" in err and "--max-line-bytes" in err
    code, _, err = run(capsys, "events", "check", str(p))
    assert "line longer" not in err  # the bound is back to its default after the command
