"""Memory that sees a rollback (R1, notes/decisions.md D19): the token of an older image
differs from every token the reference model holds, and implementations report their own
memory versions in traces, which the checker compares across each freeze."""

from __future__ import annotations

from pathlib import Path

import pytest

from vmspec.model import TINY
from vmspec.model.state import BLANK, LOADED, MEMORY_TOKENS, STALE, WRITTEN, memory_name, older_image, written
from vmspec.properties.conformance.trace import check_trace, write_violation
from vmspec.properties.conformance.trace.format import dumps_header, dumps_record
from vmspec.properties.evidence.counterexample import Counterexample, replay
from vmspec.properties.io.errors import InputError


def test_an_older_image_differs_from_the_newest_and_a_write_makes_memory_newest_again():
    assert older_image(WRITTEN) == STALE and STALE not in (BLANK, LOADED, WRITTEN)
    assert older_image(LOADED) == LOADED and older_image(BLANK) == BLANK  # nothing written: no older image
    assert written(STALE) == WRITTEN and written(BLANK) == LOADED and written(LOADED) == WRITTEN
    assert set(MEMORY_TOKENS) == {BLANK, LOADED, WRITTEN, STALE}


def test_messages_name_memory_tokens():
    assert [memory_name(m) for m in MEMORY_TOKENS] == ["BLANK", "LOADED", "WRITTEN", "STALE"]
    assert memory_name(7) == "7" and memory_name(None) == "None"


def test_the_reference_model_never_holds_an_older_image():
    spec = TINY.spec()
    seen, todo = {spec.initial_state()}, [spec.initial_state()]
    while todo:
        for _, t in spec.successors(todo.pop()):
            if t not in seen:
                seen.add(t)
                todo.append(t)
    assert len(seen) == 11931  # the pinned count: the abstraction adds no state to the reference model
    assert all(v.memory != STALE and v.snapshot != STALE for s in seen for v in s.vms)


def _trace(tmp_path: Path, at_freeze, at_resume) -> Path:
    """h0's freeze on TINY, vm0's memory version reported before, at the freeze, while frozen,
    at the resume and after."""
    vm0 = lambda version: {"vms": {"vm0": {"memory_version": version}}}
    lines = [dumps_header(0),
             dumps_record(0, "platform_announce_event", ("h0", "Freeze"), vm0(7)),
             dumps_record(30, "platform_start_event", ("h0#1",), vm0(8)),
             dumps_record(30, "host_freeze", ("h0",), vm0(at_freeze)),
             dumps_record(35, "host_apply_patch", ("h0",), vm0(at_freeze)),
             dumps_record(35, "platform_resume_host", ("h0",), vm0(at_resume)),
             dumps_record(35, "vm_clock_resync", ("vm0",)),
             dumps_record(40, "platform_complete_event", ("h0#1",), vm0("after"))]
    p = tmp_path / "t.jsonl"
    p.write_text("\n".join(lines) + "\n")
    return p


def test_the_same_version_across_the_freeze_conforms(tmp_path):
    r, _ = check_trace(TINY.spec(), _trace(tmp_path, 9, 9), config="TINY")
    assert r.ok, r.violation


def test_resuming_with_an_older_version_is_r1_and_replays(tmp_path):
    r, checker = check_trace(TINY.spec(), _trace(tmp_path, 9, 8), config="TINY")
    v = r.violation
    assert (v.line, v.rule, v.property) == (6, "R1", "memory_kept_at_resume")
    assert "memory version 8 for VM vm0" in v.message and "9 during its freeze" in v.message
    assert "resumed with memory STALE, frozen with WRITTEN" in v.message, v.message
    files = write_violation(checker, tmp_path / "out")
    saved = Counterexample.load(next(f for f in files if f.suffix == ".json"))
    assert replay(saved).reproduced
    prefix = next(f for f in files if f.name.endswith(".trace.jsonl"))
    again, _ = check_trace(TINY.spec(), prefix, config="TINY")
    assert (again.violation.rule, again.violation.property) == ("R1", "memory_kept_at_resume")


def test_a_version_changing_while_frozen_is_r1(tmp_path):
    p = _trace(tmp_path, 9, 9)
    lines = p.read_text().splitlines()
    lines[4] = dumps_record(35, "host_apply_patch", ("h0",), {"vms": {"vm0": {"memory_version": "other"}}})
    p.write_text("\n".join(lines) + "\n")
    r, _ = check_trace(TINY.spec(), p, config="TINY")
    assert (r.violation.line, r.violation.property) == (5, "frozen_memory_matches_snapshot")


def test_versions_of_running_vms_and_of_a_finished_freeze_are_not_compared(tmp_path):
    p = _trace(tmp_path, "a", "a")
    lines = p.read_text().splitlines()
    lines += [dumps_record(40, "platform_announce_event", ("h1", "Freeze"), {"vms": {"vm0": {"memory_version": "b"}}}),
              dumps_record(70, "platform_start_event", ("h1#1",)),
              dumps_record(70, "host_freeze", ("h1",), {"vms": {"vm1": {"memory_version": 1}}}),
              dumps_record(71, "host_apply_patch", ("h1",)),
              dumps_record(71, "platform_resume_host", ("h1",), {"vms": {"vm1": {"memory_version": 1}}})]
    p.write_text("\n".join(lines) + "\n")
    r, _ = check_trace(TINY.spec(), p, config="TINY")
    assert r.ok, r.violation


@pytest.mark.parametrize("bad", ["", -1, True, 1.5, None])
def test_a_memory_version_must_be_a_name_or_a_natural_number(tmp_path, bad):
    p = _trace(tmp_path, 9, 9)
    lines = p.read_text().splitlines()
    lines[3] = lines[3].replace('"memory_version":9', f'"memory_version":{__import__("json").dumps(bad)}')
    p.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError) as exc:
        check_trace(TINY.spec(), p, config="TINY")
    assert exc.value.line == 4 and "memory_version" in str(exc.value)
