"""`vmspec trace check|export`: exit 0 on a conforming trace (rules exercised printed), 1 on a
violation (with the files written), 2 on bad input with file and line."""

import json
from pathlib import Path

import pytest

from vmspec.properties.cli.main import main

DATA = Path(__file__).parent / "data" / "traces"


def test_conforming_trace_prints_rules_exercised(capsys, tmp_path):
    assert main(["trace", "check", str(DATA / "tiny_conforming.jsonl"), "--config", "TINY", "--complete"]) == 0
    out = capsys.readouterr().out
    assert "conforms" in out and "rules exercised" in out and "R2" in out


def test_violation_exits_1_with_json(capsys, tmp_path):
    code = main(["trace", "check", str(DATA / "tiny_pause_overrun.jsonl"), "--config", "TINY", "--json",
                 "--out", str(tmp_path)])
    data = json.loads(capsys.readouterr().out)
    assert code == 1 and data["violation"]["line"] == 13 and data["violation"]["rule"] == "R2"
    assert all(Path(f).exists() for f in data["files"]) and any(f.endswith(".trace.jsonl") for f in data["files"])


@pytest.mark.parametrize("name", sorted(p.name for p in DATA.glob("bad_*.jsonl")))
def test_bad_input_exits_2_with_line(capsys, tmp_path, name):
    assert main(["trace", "check", str(DATA / name), "--config", "TINY", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert f"{name}:2:" in err and "Traceback" not in err
    assert not list(tmp_path.iterdir())  # nothing half-written


def test_export_then_check_round_trips(capsys, tmp_path):
    out = tmp_path / "w.jsonl"
    assert main(["trace", "export", "--config", "SMALL", "--steps", "300", "--seed", "4", "--observe", "-o", str(out)]) == 0
    assert main(["trace", "check", str(out), "--config", "SMALL", "--json"]) == 0
    capsys.readouterr()
    bad = tmp_path / "m.jsonl"
    assert main(["trace", "export", "--mutant", "start_before_notbefore", "--steps", "300", "--seed", "1", "-o", str(bad)]) == 0
    assert main(["trace", "check", str(bad), "--config", "TINY", "--json", "--out", str(tmp_path)]) == 1


@pytest.mark.parametrize("text", ["", '{"format":"vmspec-trace/1","start":0}\n', "\n\n"], ids=["empty", "header", "blank"])
def test_an_empty_trace_warns_and_fails_a_complete_check(capsys, tmp_path, text):
    trace = tmp_path / "run.jsonl"
    trace.write_text(text)
    assert main(["trace", "check", str(trace), "--config", "TINY", "--out", str(tmp_path / "out")]) == 0
    assert "warning: the trace has no records: nothing was checked" in capsys.readouterr().out
    assert main(["trace", "check", str(trace), "--config", "TINY", "--json", "--out", str(tmp_path / "out")]) == 0
    assert json.loads(capsys.readouterr().out)["warnings"] == ["the trace has no records: nothing was checked "
                                                               "(did the recorder write anything?)"]
    assert main(["trace", "check", str(trace), "--config", "TINY", "--complete", "--out", str(tmp_path / "out")]) == 1
    out = capsys.readouterr().out
    assert "R18: the trace has no records" in out
