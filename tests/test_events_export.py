"""The model's behaviour exported as a capture: every named configuration passes the
checker (strictly) for every VM it is exported for, and captures of mutants that break a
rule the endpoint shows are caught with the rule and line that mark the broken step."""

import json

import pytest

from vmspec.model import CONFIGS
from vmspec.properties.catalogue.mutants import mutant
from vmspec.properties.cli.main import main
from vmspec.properties.conformance.events import (
    capture_text,
    check_observations,
    event_guid,
    export,
    parse_rfc1123,
    read_capture,
    read_lines,
    walk,
)
from vmspec.properties.conformance.events.stage import allowed_exceptions
from vmspec.properties.conformance.events.stream import parse_rfc3339


def check(lines, strict=True, spec=None):
    """Check an export; under `spec`'s profile the model's own soft exceptions (the hardware-failure
    Reboot, R34) stay warnings."""
    raw = [(line.text() + "\n").encode() for line in lines]
    allow = allowed_exceptions(spec) if spec is not None else ()
    return check_observations(read_lines(raw, "export.jsonl"), strict=strict, allow=allow)


def hardware_failures_only(report):
    """No error, and every warning is the hardware-failure Reboot seen already Started (R34)."""
    return not report.failed and all(f.rule == "R11" and "hardware failure" in f.message for f in report.findings)


@pytest.mark.parametrize("config", sorted(CONFIGS))
def test_every_named_configuration_exports_captures_that_pass_strictly(config):
    spec = CONFIGS[config].spec()
    vms = spec.vm_names if len(spec.vm_names) <= 3 else spec.vm_names[:1] + spec.vm_names[-1:]
    events = 0
    for vm in vms:
        for seed in range(4):
            report = check(export(spec, vm, seed=seed), spec=spec)
            assert hardware_failures_only(report), (vm, seed, report.findings[:3])
            assert spec.params.hardware_failures or report.findings == []
            events += report.summary.events
    assert events > 0  # not vacuous: the VMs saw maintenance


def test_an_export_is_a_deterministic_well_formed_capture():
    spec = CONFIGS["TINY"].spec()
    a, b = export(spec, seed=3), export(spec, seed=3)
    assert [x.text() for x in a] == [x.text() for x in b]
    first = a[0].observation
    assert first == {"observed_at": "2024-01-01T00:00:00Z", "api_version": "2020-07-01", "http_status": 200,
                     "document": {"DocumentIncarnation": 1, "Events": []}}
    scheduled = next(e for x in a for e in x.observation["document"]["Events"] if e["EventStatus"] == "Scheduled")
    assert scheduled["EventId"] == event_guid("h0#1") and len(scheduled["EventId"]) == 36
    assert scheduled["NotBefore"].endswith(" GMT") and scheduled["Resources"] == ["vm0"]
    assert scheduled["DurationInSeconds"] == spec.params.expected_pause


def test_dev_timing_is_stretched_back_to_real_time():
    """TINY announces its Freeze 30 model seconds ahead (dev timing, divisor 30); the capture
    shows the 15 minutes it stands for."""
    lines = export(CONFIGS["TINY"].spec(), seed=0)
    announced = next(x for x in lines if x.observation["document"]["Events"])
    ev = announced.observation["document"]["Events"][0]
    seen = parse_rfc3339(announced.observation["observed_at"])
    assert (parse_rfc1123(ev["NotBefore"]) - seen).total_seconds() == 900


# mutant -> (seed, the first finding on TINY under --strict: line, rule, message start)
CAUGHT = {
    "incarnation_not_bumped": (0, 8, "R10", "the Events array changed since line 7 but DocumentIncarnation stayed 4"),
    "start_before_notbefore": (0, 5, "R8", "started at least 900 s before NotBefore 2024-01-01T00:15:00Z with no approval"),
    "event_id_changes_on_start": (0, 9, "R11", "the EventId changed when the event started: the Scheduled Freeze"),
    "event_id_reused": (2, 9, "R12", "the event is back in the document after it was removed"),
    "short_notice": (0, 4, "R9", "Freeze announced with at most 600 s of notice; the minimum is 900 s"),
    "completed_status_published": (0, 11, "R13", "EventStatus 'Completed': the only statuses are Scheduled and Started"),
}


@pytest.mark.parametrize("name", sorted(CAUGHT))
def test_mutant_captures_are_caught_at_the_broken_step(name):
    seed, line, rule, message = CAUGHT[name]
    config = CONFIGS["TINY"]
    spec = mutant(name).spec(config.topology, config.params)
    lines = export(spec, seed=seed)
    report = check(lines)
    f = report.findings[0]
    assert (f.line, f.rule, f.severity) == (line, rule, "error") and f.message.startswith(message)
    assert {x.rule for x in report.findings} == {rule}
    broken = lines[line - 1].steps  # the walk step the VM polled after
    path_names = [st.name for st, _ in walk(spec, seed=seed)]
    assert path_names[broken - 1] in ("platform_start_event", "platform_announce_event", "platform_complete_event")
    assert not check(export(config.spec(), seed=seed)).findings  # the unbroken model passes on the same seed


@pytest.mark.parametrize("name", sorted(CAUGHT))
def test_mutants_are_caught_on_azure_default_within_a_few_seeds(name):
    config = CONFIGS["AZURE_DEFAULT"]
    spec = mutant(name).spec(config.topology, config.params)
    rules = next(({f.rule for f in r.findings} for r in (check(export(spec, seed=s)) for s in range(6)) if r.failed),
                 None)
    assert rules == {CAUGHT[name][2]}


def test_short_notice_is_a_soft_exception_until_strict():
    config = CONFIGS["AZURE_DEFAULT"]
    lines = export(mutant("short_notice").spec(config.topology, config.params), seed=0)
    loose, strict = check(lines, strict=False), check(lines, strict=True)
    assert not loose.failed and set(loose.summary.warnings) == {"R9"}
    assert strict.failed and set(strict.summary.errors) == {"R9"}
    assert "at most 890 s of notice" in strict.findings[0].message


@pytest.mark.parametrize("config", sorted(CONFIGS))
def test_the_set_wide_view_passes_strictly_and_shows_the_sets_events(config):
    """Every VM of an availability set sees the set's events (research 3.3, Scope): the set-wide
    capture holds the VM's own view and every event naming a VM of its set, and passes strictly."""
    spec = CONFIGS[config].spec()
    vm = spec.vm_names[0]
    peers = {spec.vm_names[i] for i, a in enumerate(spec.vm_aset) if a == spec.vm_aset[0]}
    others = set()
    for seed in range(2):
        own, wide = export(spec, vm, seed=seed), export(spec, vm, seed=seed, scope="set")
        report = check(wide, spec=spec)
        assert hardware_failures_only(report), (seed, report.findings[:3])
        own_ids = {e["EventId"] for x in own for e in x.observation["document"]["Events"]}
        wide_events = [e for x in wide for e in x.observation["document"]["Events"]]
        assert own_ids <= {e["EventId"] for e in wide_events}
        assert all(peers & set(e["Resources"]) for e in wide_events)
        others |= {e["EventId"] for e in wide_events if vm not in e["Resources"]}
    assert others or len(peers) == 1  # not vacuous: the VM saw its peers' events


def test_the_export_header_makes_an_unapproved_early_start_an_error_without_strict():
    config = CONFIGS["TINY"]
    spec = mutant("start_before_notbefore").spec(config.topology, config.params)
    text = capture_text(spec, export(spec, seed=0))
    report = check_observations(read_lines(text.encode().splitlines(keepends=True), "m.jsonl"))
    assert report.failed and {f.rule for f in report.findings} == {"R8"}
    assert "declares VM vm0 the only approver" in report.findings[0].message
    headless = check(export(spec, seed=0), strict=False)
    assert not headless.failed and set(headless.summary.warnings) == {"R8"}


def test_an_unknown_scope_is_refused():
    with pytest.raises(ValueError, match="scope is one of vm, set"):
        export(CONFIGS["TINY"].spec(), scope="host")


# ---------------------------------------------------------------- the command


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_export_then_check_round_trip(capsys, tmp_path):
    out_file = tmp_path / "capture.jsonl"
    code, out, err = run(capsys, "events", "export", "--config", "SMALL", "--vm", "vm2", "--seed", "1", "-o", str(out_file))
    assert code == 0 and out == "" and err == ""
    header, *lines = out_file.read_text().splitlines()
    assert json.loads(header) == {"capture": {"vm": "vm2", "only_approver": True}}
    assert all(json.loads(x)["api_version"] == "2020-07-01" for x in lines)
    assert any('"EventType":"Reboot"' in x for x in lines)  # h2's update needs a reboot (S5)
    assert len(list(read_capture(out_file))) == len(lines) + 1
    code, out, _ = run(capsys, "events", "check", str(out_file), "--strict")
    assert code == 0 and out.rstrip().endswith("0 errors, 0 warnings: ok")


def test_export_of_a_mutant_fails_the_check(capsys, tmp_path):
    out_file = tmp_path / "m.jsonl"
    assert run(capsys, "events", "export", "--mutant", "incarnation_not_bumped", "-o", str(out_file))[0] == 0
    code, out, _ = run(capsys, "events", "check", str(out_file))
    assert code == 1 and " error R10" in out


def test_export_rejects_an_unknown_vm_with_status_2(capsys, tmp_path):
    out_file = tmp_path / "never.jsonl"
    code, out, err = run(capsys, "events", "export", "--config", "TINY", "--vm", "vm9", "-o", str(out_file))
    assert code == 2 and out == "" and "--vm: unknown VM 'vm9'; choose one of vm0, vm1" in err
    assert not out_file.exists() and not list(tmp_path.iterdir())


def test_export_scope_set_on_the_command_line(capsys, tmp_path):
    out_file = tmp_path / "set.jsonl"
    code, _, _ = run(capsys, "events", "export", "--config", "SMALL", "--scope", "set", "-o", str(out_file))
    assert code == 0
    code, out, _ = run(capsys, "events", "check", str(out_file), "--strict")
    assert code == 0 and out.rstrip().endswith("0 errors, 0 warnings: ok")


def test_exports_carry_the_models_event_source_and_description():
    """EventSource and Description come from the model's event (research 3.3): a platform's
    maintenance under the 2017 rules, a memory-preserving live migration under the VM slice."""
    from vmspec.model import DESCRIPTIONS, TINY, Config, profile

    seen = {}
    from vmspec.model import LIVE_MIGRATION

    for name, topology, params in (("TINY", TINY.topology, TINY.params),
                                   ("live", LIVE_MIGRATION.topology, profile("live-migration", notice_divisor=30))):
        spec = Config(name, topology, params).spec()
        events = [e for x in export(spec, seed=1) for e in x.observation["document"]["Events"]]
        assert events
        seen[name] = {(e["EventType"], e["EventSource"], e["Description"]) for e in events}
    # the live migration is a Freeze (research 4: the mock server's Live Migration scenario) naming one
    # VM of as0 at a time (R27), so h0's two VMs are named by two events in turn
    frozen = {(e["EventId"], tuple(e["Resources"])) for e in events if e["EventType"] == "Freeze"}
    assert frozen and all(len(r) == 1 for _, r in frozen)
    assert ("Freeze", "Platform", DESCRIPTIONS["maintenance"]) in seen["TINY"]
    assert {d for t, _, d in seen["TINY"]} == {DESCRIPTIONS["maintenance"]}
    assert {(t, d) for t, _, d in seen["live"] if t == "Freeze"} == {("Freeze", DESCRIPTIONS["live-migration"])}
    assert {src for _, src, _ in seen["TINY"]} == {"Platform"}
    # the current documentation's profiles let a VM's owner restart it: a User Reboot (R35)
    assert {(t, d) for t, src, d in seen["live"] if src == "User"} <= {("Reboot", DESCRIPTIONS["user-Reboot"])}


def test_a_users_restart_is_exported_as_a_user_reboot_that_checks_strictly():
    """R35 in a capture: the restarted VM sees a Reboot with EventSource User and the user-restart
    Description, Scheduled with a NotBefore, then Started; a strict check finds nothing wrong."""
    from vmspec.model import DESCRIPTIONS

    spec = CONFIGS["USER_EVENTS"].spec()
    for seed in range(40):
        path = walk(spec, seed=seed)
        if path and path[0][0].name == "user_reboot_vm":
            break
    else:
        raise AssertionError("no seeded walk starts with a user's restart")
    vm = path[0][0].args[0]
    lines = export(spec, vm, seed=seed)
    first = lines[1].observation["document"]["Events"][0]
    assert (first["EventType"], first["EventStatus"], first["EventSource"], first["Resources"]) == (
        "Reboot", "Scheduled", "User", [vm])
    assert first["NotBefore"] and first["Description"] == DESCRIPTIONS["user-Reboot"]
    report = check(lines)
    assert not report.failed and not report.findings


def test_a_hardware_failure_is_exported_already_started_and_reported_apart_from_errors():
    """R34 in a capture: the failed host's VM sees a Platform Reboot appear already Started, with no
    NotBefore and the emergency-repair Description; the checker reports it as the documented
    hardware-failure exception (a warning, also under --strict for the model's own profile), and a
    strict check that does not allow it makes it an error."""
    from vmspec.model import DESCRIPTIONS

    spec = CONFIGS["UNPLANNED"].spec()
    for seed in range(40):
        path = walk(spec, seed=seed)
        if path and path[0][0].name == "host_hardware_failure":
            break
    else:
        raise AssertionError("no seeded walk starts with a hardware failure")
    vm = spec.vm_names[spec.residents(spec.initial_state(), spec.host_ix[path[0][0].args[0]])[0]]
    lines = export(spec, vm, seed=seed)
    first = lines[1].observation["document"]["Events"][0]
    assert (first["EventType"], first["EventStatus"], first["NotBefore"], first["EventSource"]) == (
        "Reboot", "Started", "", "Platform")
    assert first["Description"] == DESCRIPTIONS["hardware-failure"]
    allowed = check(lines, spec=spec)
    assert hardware_failures_only(allowed) and allowed.summary.warnings["R11"] >= 1
    assert check(lines).failed  # strict, allowing nothing: the exception is an error


def test_an_event_of_several_hosts_is_seen_set_wide_and_checks_strictly():
    """R30 in a capture: on SET_WIDE one Reboot names vm0 and vm1, of h0 and h1; vm2 (of the other
    update domain, on h2) sees it only in the set-wide view (`--scope set`, the current page's
    delivery to every VM of the set), and every view checks strictly."""
    spec = CONFIGS["SET_WIDE"].spec()
    for seed in range(40):
        path = walk(spec, seed=seed)
        if any(st.name == "platform_announce_group" for st, _ in path):
            break
    else:
        raise AssertionError("no seeded walk announces an event of several hosts")
    grouped = {e.event_id for _, s in path for e in s.events if e.also_hosts}
    assert grouped
    guids = {event_guid(x) for x in grouped}

    def seen(vm, scope):
        lines = export(spec, vm, seed=seed, scope=scope)
        report = check(lines)
        assert not report.failed and not report.findings, [str(f) for f in report.findings]
        return {(e["EventId"], tuple(e["Resources"])) for x in lines for e in x.observation["document"]["Events"]}

    assert {r for g, r in seen("vm0", "vm") if g in guids} == {("vm0", "vm1")}
    assert not {g for g, _ in seen("vm2", "vm")} & guids
    assert {r for g, r in seen("vm2", "set") if g in guids} == {("vm0", "vm1")}


def test_evictions_are_exported_and_check_strictly():
    """R36, R37 in captures: a VM sees its Preempt or Terminate Scheduled with a NotBefore (30 s, and
    the scale set's 5 minutes, in real time), then Started, and records nothing after: it is gone.  A
    strict check of every VM's capture finds nothing wrong."""
    from vmspec.model import DESCRIPTIONS

    spec = CONFIGS["SPOT_SCALE_SET"].spec()
    seen = set()
    for seed in range(60):
        path = walk(spec, seed=seed)
        names = {st.name for st, _ in path}
        if not names & {"platform_preempt_vm", "user_delete_vm"}:
            continue
        for vm in spec.vm_names:
            lines = export(spec, vm, seed=seed)
            report = check(lines)
            assert not report.failed and not report.findings, (seed, vm, report.findings[:2])
            for line in lines:
                for e in line.observation["document"]["Events"]:
                    if e["EventType"] in ("Preempt", "Terminate"):
                        seen.add((e["EventType"], e["EventStatus"], e["Description"] == DESCRIPTIONS[e["EventType"]]))
            i = spec.vm_ix[vm]
            gone_at = next((n for n, (_, t) in enumerate(path, 1) if t.vms[i].status == "gone"), None)
            if gone_at is not None:  # a VM gone records nothing after its eviction
                assert all(x.steps < gone_at for x in lines)
    assert {("Preempt", "Scheduled", True), ("Terminate", "Scheduled", True), ("Terminate", "Started", True)} <= seen
