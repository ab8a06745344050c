"""`vmspec serve` over real sockets: the documented answers, approvals, robustness, recordings.

Every test talks HTTP to a server listening on a loopback port (aiohttp's client, urllib in the
example handler, curl where installed); model time is advanced by the test (speed 0), so runs are
deterministic and take a fraction of a second.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import pytest

from vmspec.model import AZURE_DEFAULT, TINY, ActionNotEnabled, profile
from vmspec.properties.cli.main import main
from vmspec.properties.conformance.events import API_VERSIONS, check_file, parse_rfc1123
from vmspec.properties.conformance.events.export import event_guid
from vmspec.properties.evidence.verdict import Target
from vmspec.properties.serve import MANUAL, BackgroundServer, Options, load, validate
from vmspec.properties.serve.app import ERR_HEADER, ERR_VERSION, MAX_BODY

ROOT = Path(__file__).parents[1]


def _example_handler() -> type:
    """The example handler, loaded from its file (examples/ is not a package to install)."""
    spec = importlib.util.spec_from_file_location("scheduled_events_handler",
                                                  ROOT / "examples" / "scheduled_events_handler.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module.Handler


Handler = _example_handler()

H = {"Metadata": "true"}
SCENARIOS = ROOT / "examples" / "scenarios"


def fetch(method: str, url: str, headers: dict | None = None, data: bytes | str | None = None
          ) -> tuple[int, bytes, dict]:
    async def go() -> tuple[int, bytes, dict]:
        async with aiohttp.ClientSession() as session, \
                session.request(method, url, headers=headers, data=data) as r:
            return r.status, await r.read(), dict(r.headers)

    return asyncio.run(go())


def get_json(url: str, headers: dict | None = H) -> tuple[int, dict]:
    status, body, _ = fetch("GET", url, headers)
    return status, json.loads(body) if body else {}


def real_timing_tiny(**kw) -> BackgroundServer:
    target = Target(TINY.topology, profile("azure-2017"), "TINY")
    kw.setdefault("rate_limit", 0)
    return BackgroundServer(target, Options(speed=0, **kw))


@pytest.fixture
def tiny():
    server = real_timing_tiny(mode=MANUAL)
    yield server
    server.close()


# ---------------------------------------------------------------------- GET, per api-version


def test_document_fields_per_api_version(tiny):
    tiny.apply("platform_announce_event", "h0", "Freeze")
    for version in API_VERSIONS:
        status, doc = get_json(tiny.endpoint_url("vm0", version))
        assert status == 200
        assert set(doc) == {"DocumentIncarnation", "Events"}
        (event,) = doc["Events"]
        expected = {"EventId", "EventType", "ResourceType", "Resources", "EventStatus", "NotBefore"}
        expected |= {"Description"} if version >= "2019-04-01" else set()
        expected |= {"EventSource"} if version >= "2019-08-01" else set()
        expected |= {"DurationInSeconds"} if version >= "2020-07-01" else set()
        assert set(event) == expected, version
        assert event["Resources"] == (["_vm0"] if version == "2017-03-01" else ["vm0"])
        assert event["EventId"] == event_guid("h0#1")
        assert parse_rfc1123(event["NotBefore"]) is not None, event["NotBefore"]
        if version >= "2019-04-01":  # the model's Description and EventSource, as the field arrives
            assert event["Description"] == "Host server is undergoing maintenance."
        if version >= "2019-08-01":
            assert event["EventSource"] == "Platform"


def test_notbefore_is_the_notice_ahead_and_empty_once_started(tiny):
    tiny.apply("platform_announce_event", "h0", "Freeze")
    status, body, headers = fetch("GET", tiny.endpoint_url("vm0"), H)
    (event,) = json.loads(body)["Events"]
    served_now = parse_rfc1123(headers["Date"])
    assert (parse_rfc1123(event["NotBefore"]) - served_now).total_seconds() == 900  # research 3.4
    tiny.advance(900)
    tiny.apply("platform_start_event", "h0#1")
    (event,) = get_json(tiny.endpoint_url("vm0"))[1]["Events"]
    assert event["EventStatus"] == "Started" and event["NotBefore"] == ""


def test_set_wide_scope_and_incarnation_changes_exactly_with_the_document(tiny):
    docs = [get_json(tiny.endpoint_url(vm))[1] for vm in ("vm0", "vm1")]
    assert docs[0] == docs[1] == {"DocumentIncarnation": 1, "Events": []}
    tiny.apply("platform_announce_event", "h1", "Freeze")
    for vm in ("vm0", "vm1"):  # vm1's event is delivered to vm0 too: one availability set
        doc = get_json(tiny.endpoint_url(vm))[1]
        assert doc["DocumentIncarnation"] == 2 and doc["Events"][0]["Resources"] == ["vm1"]
    tiny.advance(300)  # time alone changes nothing
    assert get_json(tiny.endpoint_url("vm0"))[1]["DocumentIncarnation"] == 2
    status, _, _ = fetch("POST", tiny.endpoint_url("vm1"), H, json.dumps(
        {"StartRequests": [{"EventId": event_guid("h1#1")}]}))
    assert status == 200
    assert get_json(tiny.endpoint_url("vm0"))[1]["DocumentIncarnation"] == 2  # an approval is not in the document
    tiny.apply("platform_start_event", "h1#1")
    assert get_json(tiny.endpoint_url("vm0"))[1]["DocumentIncarnation"] == 3


def test_sets_have_their_own_documents():
    with BackgroundServer("AZURE_DEFAULT", Options(speed=0, mode=MANUAL)) as server:
        host = AZURE_DEFAULT.topology.hosts[0].name
        server.apply("platform_announce_event", host, "Freeze")
        web = get_json(server.endpoint_url("web-vm0"))[1]
        db = get_json(server.endpoint_url("db-vm0"))[1]
        assert len(web["Events"]) == 1 and web["DocumentIncarnation"] == 2
        assert db == {"DocumentIncarnation": 1, "Events": []}
        status, body, _ = fetch("POST", server.endpoint_url("db-vm0"), H, json.dumps(
            {"StartRequests": [{"EventId": web["Events"][0]["EventId"]}]}))
        assert status == 400 and b"not an event of this VM" in body  # out of scope


# ---------------------------------------------------------------------- documented errors


def test_documented_errors(tiny):
    url = tiny.endpoint_url("vm0")
    status, body = get_json(url, headers={})
    assert (status, body) == (400, {"error": ERR_HEADER})
    status, body = get_json(url.split("?")[0])
    assert status == 400 and body["error"] == ERR_VERSION and body["newest-versions"][0] == "2020-07-01"
    assert get_json(tiny.endpoint_url("vm0", "2021-01-01"))[0] == 400
    assert get_json(tiny.endpoint_url("vm0", "2017-03-01"), headers={})[0] == 200  # not enforced before 2017-08-01
    assert get_json(tiny.endpoint_url("vm0", "2017-08-01"), headers={})[0] == 400
    assert get_json(url + "&api-version=2020-07-01")[0] == 400  # duplicate query parameter
    assert get_json(url, headers={**H, "X-Forwarded-For": "10.0.0.1"})[0] == 400
    assert get_json(f"http://127.0.0.1:{tiny.port}/metadata/scheduledevents?api-version=2020-07-01")[0] == 404
    assert get_json(f"http://127.0.0.1:{tiny.port}/nosuchvm/metadata/scheduledevents?api-version=2020-07-01")[0] == 404
    assert get_json(f"http://127.0.0.1:{tiny.port}/vm0/metadata/instance?api-version=2020-07-01")[0] == 404
    status, body, headers = fetch("PUT", url, H, b"{}")
    assert status == 405 and json.loads(body)["error"] and headers["Allow"] == "GET, POST"
    assert "Date" in headers


def test_rate_limit_is_five_per_second_per_vm():
    with real_timing_tiny(mode=MANUAL, rate_limit=5) as server:
        async def burst(vm: str) -> list[int]:
            async with aiohttp.ClientSession() as session:
                out = []
                for _ in range(7):
                    async with session.get(server.endpoint_url(vm), headers=H) as r:
                        out.append(r.status)
                return out

        statuses = asyncio.run(burst("vm0"))
        assert statuses[:5] == [200] * 5 and 429 in statuses[5:]
        assert asyncio.run(burst("vm1"))[0] == 200  # per VM


# ---------------------------------------------------------------------- approvals


def test_start_requests_feed_the_models_approval(tiny):
    tiny.apply("platform_announce_event", "h0", "Freeze")
    eid = event_guid("h0#1")
    status, body, _ = fetch("POST", tiny.endpoint_url("vm0"), H, json.dumps({"StartRequests": [{"EventId": eid}]}))
    assert (status, body) == (200, b"")
    assert tiny.state().event("h0#1").approved
    tiny.apply("platform_start_event", "h0#1")  # allowed before NotBefore only because it was approved (R8)
    # approving again is still 200 ("even if another VM already approved the event")
    older = {"DocumentIncarnation": 3, "StartRequests": [{"EventId": eid.upper()}]}
    assert fetch("POST", tiny.endpoint_url("vm1"), H, json.dumps(older))[0] == 200


def test_start_before_notbefore_is_refused_without_approval(tiny):
    tiny.apply("platform_announce_event", "h0", "Freeze")
    with pytest.raises(ActionNotEnabled):
        tiny.apply("platform_start_event", "h0#1")


@pytest.mark.parametrize("body", [
    b"{not json", b"\xff\xfe", b"[]", b"{}", b'{"StartRequests": []}', b'{"StartRequests": [{"EventId": 7}]}',
    b'{"StartRequests": [{"EventId": "x"}], "Other": 1}', b'{"StartRequests": [{"Id": "x"}]}',
    b'{"StartRequests": [{"EventId": "00000000-0000-0000-0000-000000000000"}]}', b"[" * 100_000,
])
def test_malformed_or_unknown_approvals_get_400(tiny, body):
    tiny.apply("platform_announce_event", "h0", "Freeze")
    status, answer, _ = fetch("POST", tiny.endpoint_url("vm0"), H, body)
    assert status == 400 and json.loads(answer)["error"].startswith("Bad request.")
    assert not tiny.state().event("h0#1").approved


def test_oversized_body_gets_400_and_the_server_goes_on(tiny):
    status, answer, _ = fetch("POST", tiny.endpoint_url("vm0"), H, b"x" * (MAX_BODY + 1))
    assert status == 400 and b"larger than" in answer
    assert get_json(tiny.endpoint_url("vm0"))[0] == 200


# ---------------------------------------------------------------------- robustness


def test_many_concurrent_clients_and_disconnects(tiny):
    tiny.apply("platform_announce_event", "h0", "Freeze")
    for _ in range(20):  # clients that hang up mid-request, or send garbage
        s = socket.create_connection(("127.0.0.1", tiny.port))
        s.sendall(b"GET /vm0/metadata/sched")
        s.close()
    s = socket.create_connection(("127.0.0.1", tiny.port))
    s.sendall(b"\x00\x01 not http\r\n\r\n")
    s.recv(100)
    s.close()

    async def many() -> list[int]:
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
            async def one(i: int) -> int:
                async with session.get(tiny.endpoint_url(f"vm{i % 2}"), headers=H) as r:
                    await r.read()
                    return r.status
            return await asyncio.gather(*(one(i) for i in range(400)))

    assert set(asyncio.run(many())) == {200}


# ---------------------------------------------------------------------- the example handler, recordings


def _drive(server: BackgroundServer, handlers: list[Handler], *, seconds: int, step: int = 10) -> None:
    for _ in range(seconds // step):
        for h in handlers:
            h.poll_once()
        server.advance(step)


def test_example_handler_drains_approves_and_recovers_against_the_model(tmp_path):
    with real_timing_tiny(seed=3, record=tmp_path) as server:
        drained = []
        handlers = [Handler(server.url(vm), vm, drain=drained.append, log=lambda m: None) for vm in ("vm0", "vm1")]
        _drive(server, handlers, seconds=4000, step=20)
        assert server.state().hosts[0].patched and server.state().hosts[1].patched
        approved = [eid for h in handlers for eid in h.approved]
        assert approved and len(drained) == len(approved)
        assert sorted(eid for h in handlers for eid in h.recovered) == sorted(approved)
        verdict = server.close()
    assert verdict.ok, verdict.lines  # the seeded scheduler's run meets the contract, strictly


def test_recorded_run_passes_strict_and_the_mutant_fails_with_its_rule(tmp_path):
    verdicts = {}
    for mutant in (None, "event_id_changes_on_start"):
        target = Target(TINY.topology, profile("azure-2017"), "TINY", mutant)
        out = tmp_path / (mutant or "model")
        with BackgroundServer(target, Options(speed=0, scenario=load(SCENARIOS / "freeze-then-overrun.toml"),
                                              record=out, rate_limit=0)) as server:
            handlers = [Handler(server.url(vm), vm, log=lambda m: None) for vm in ("vm0", "vm1")]
            _drive(server, handlers, seconds=3000, step=15)
            assert server.call(server.server.platform.finished)
            verdicts[mutant] = server.close()
            assert handlers[0].approved and handlers[1].approved
        assert check_file(str(out / "vm0.jsonl"), strict=True).failed == (mutant is not None)
    assert verdicts[None].ok, verdicts[None].lines
    bad = verdicts["event_id_changes_on_start"]
    assert not bad.ok and any(" R11 " in f for f in bad.failures), bad.failures


def test_capture_records_approvals_and_errors(tmp_path):
    with real_timing_tiny(mode=MANUAL, record=tmp_path) as server:
        server.apply("platform_announce_event", "h0", "Freeze")
        get_json(server.endpoint_url("vm0"), headers={})  # a 400 is recorded too
        get_json(server.endpoint_url("vm0"))
        fetch("POST", server.endpoint_url("vm0"), H, json.dumps({"StartRequests": [{"EventId": event_guid("h0#1")}]}))
        get_json(server.endpoint_url("vm0"))
        get_json(server.endpoint_url("vm1", "2017-08-01"))  # vm1 receives the event too, and its approval
        verdict = server.close()
    header, *lines = [json.loads(x) for x in (tmp_path / "vm0.jsonl").read_text().splitlines()]
    assert header == {"capture": {"vm": "vm0", "only_approver": True}}
    assert [x["http_status"] for x in lines] == [400, 200, 200]
    assert lines[2]["approved"] == [event_guid("h0#1")] and "approved" not in lines[1]
    _, other = [json.loads(x) for x in (tmp_path / "vm1.jsonl").read_text().splitlines()]
    assert other["api_version"] == "2017-08-01" and other["approved"] == [event_guid("h0#1")]
    assert other["document"]["Events"][0]["Resources"] == ["vm0"]
    assert verdict.ok, verdict.lines


# ---------------------------------------------------------------------- scenarios


def test_scenarios_shipped_are_valid():
    spec = Target(TINY.topology, profile("azure-2017"), "TINY").spec()
    for path in SCENARIOS.glob("*.toml"):
        assert validate(load(path), spec) > 0


def test_a_scenario_the_model_refuses_exits_2_naming_the_step(capsys):
    bad = ROOT / "tests" / "data" / "serve" / "bad-resume-late.toml"
    code = main(["serve", "--config", "TINY", "--profile", "azure-2017", "--scenario", str(bad), "--port", "0"])
    err = capsys.readouterr().err
    assert code == 2 and "bad-resume-late.toml:14: step[4]:" in err and "host_apply_patch(h0)" in err


def test_a_malformed_scenario_exits_2_naming_file_line_and_field(tmp_path, capsys):
    f = tmp_path / "s.toml"
    f.write_text('[[step]]\naction = "platform_announce_event"\nargs = ["h0", "Freeze"]\n\n[[step]]\naction = "fly"\n')
    assert main(["serve", "--config", "TINY", "--scenario", str(f), "--port", "0"]) == 2
    assert "s.toml:5: step[2].action: expected a platform action" in capsys.readouterr().err


# ---------------------------------------------------------------------- the pytest fixture, the freezer


@pytest.mark.vmspec_server(config="TINY", profile="azure-2017", mode="manual", rate_limit=0)
def test_the_pytest_fixture(vmspec_server):
    vmspec_server.apply("platform_announce_event", "h1", "Freeze")
    status, doc = get_json(vmspec_server.url("vm0") + "/metadata/scheduledevents?api-version=2020-07-01")
    assert status == 200 and doc["Events"][0]["EventStatus"] == "Scheduled"
    vmspec_server.advance(900)
    vmspec_server.apply("platform_start_event", "h1#1")
    assert vmspec_server.document("vm1")["Events"][0]["EventStatus"] == "Started"


def _process_state(pid: int, want: str | None = None) -> str:
    """The process's state letter (T: stopped), waiting up to a second for `want` (signals are asynchronous)."""
    for _ in range(100):
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        if want is None or (state == "T") == (want == "T"):
            return state
        time.sleep(0.01)
    return state


@pytest.mark.skipif(not Path("/proc/self/stat").exists() or not hasattr(signal, "SIGSTOP"), reason="needs /proc")
def test_freeze_pid_stops_the_process_for_exactly_the_pause():
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        with real_timing_tiny(mode=MANUAL, freeze_pid=proc.pid, freeze_vm="vm0") as server:
            server.apply("platform_announce_event", "h0", "Freeze")
            server.advance(900)
            server.apply("platform_start_event", "h0#1")
            assert _process_state(proc.pid) != "T"
            server.apply("host_freeze", "h0")
            assert _process_state(proc.pid, "T") == "T"
            server.advance(7)
            server.apply("host_apply_patch", "h0")
            assert _process_state(proc.pid) == "T"
            server.apply("platform_resume_host", "h0")
            assert _process_state(proc.pid, "S") != "T"
            assert [m for m, _ in server.server.freezer.pauses] == [7]
    finally:
        proc.kill()
        proc.wait()


# ---------------------------------------------------------------------- the command, curl


def _start_cli(args: list[str]) -> tuple[subprocess.Popen, int]:
    proc = subprocess.Popen([sys.executable, "-c", "from vmspec.properties.cli.main import entry; entry()",
                             "serve", "--port", "0", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    for _ in range(20):
        line = proc.stdout.readline()
        if line.startswith("listening on "):
            return proc, int(line.split(":")[2].split("/")[0])
    proc.kill()
    raise AssertionError("the server did not say where it listens: " + proc.stderr.read())


def test_cli_scenario_run_with_handlers_exits_0_with_the_recording_checked(tmp_path):
    proc, port = _start_cli(["--config", "TINY", "--profile", "azure-2017", "--scenario",
                             str(SCENARIOS / "freeze-then-overrun.toml"), "--speed", "2000", "--record",
                             str(tmp_path), "--exit-when-done"])
    handlers = [Handler(f"http://127.0.0.1:{port}/{vm}", vm, interval=0.2, log=lambda m: None) for vm in ("vm0", "vm1")]
    deadline = time.monotonic() + 60
    while proc.poll() is None and time.monotonic() < deadline:
        for h in handlers:
            try:
                h.poll_once()
            except OSError:
                pass
        time.sleep(0.2)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, out + err
    assert "recording: all checks pass" in out and "events check --strict" in out
    assert handlers[0].approved


def test_sigterm_stops_cleanly_with_recordings_complete(tmp_path):
    proc, port = _start_cli(["--config", "TINY", "--speed", "100", "--record", str(tmp_path)])
    for _ in range(3):
        assert get_json(f"http://127.0.0.1:{port}/vm0/metadata/scheduledevents?api-version=2020-07-01")[0] == 200
        time.sleep(0.2)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, out + err
    assert "Traceback" not in err
    assert len((tmp_path / "vm0.jsonl").read_text().splitlines()) == 1 + 3  # the header, three polls
    assert "recording: all checks pass" in out


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_curl(tiny):
    url = tiny.endpoint_url("vm0")
    ok = subprocess.run(["curl", "-s", "-H", "Metadata:true", "--noproxy", "*", url], capture_output=True, text=True,
                        env={**os.environ, "http_proxy": ""})
    assert json.loads(ok.stdout) == {"DocumentIncarnation": 1, "Events": []}
    bad = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--noproxy", "*", url],
                         capture_output=True, text=True)
    assert bad.stdout == "400"


def test_an_approved_start_waits_until_every_polling_vm_of_the_set_was_served_it(tmp_path):
    script = tmp_path / "s.toml"
    script.write_text('[[step]]\naction = "platform_announce_event"\nargs = ["h1", "Freeze"]\nafter = 1\n'
                      '[[step]]\naction = "platform_start_event"\nargs = ["h1"]\n')
    with real_timing_tiny(scenario=load(script)) as server:
        assert get_json(server.endpoint_url("vm0"))[1]["Events"] == []  # vm0 polls, before the announcement
        server.advance(1)
        (event,) = get_json(server.endpoint_url("vm1"))[1]["Events"]
        fetch("POST", server.endpoint_url("vm1"), H, json.dumps({"StartRequests": [{"EventId": event["EventId"]}]}))
        server.advance(60)
        assert server.state().event("h1#1").status == "Scheduled"  # vm0 has not been served it yet
        assert get_json(server.endpoint_url("vm0"))[1]["Events"][0]["EventStatus"] == "Scheduled"
        server.advance(1)
        assert server.state().event("h1#1").status == "Started"  # long before NotBefore: the approval


def _rollout_with_clients(config: str, seed: int, tmp_path: Path, mutant: str | None = None,
                          step: int = 10, horizon: int = 4000) -> tuple[bool, object]:
    """The seeded scheduler on `config`, every VM polling every `step` model seconds; the VMs of even
    index run the example handler (drain and approve), the others only poll, so some events start by
    approval and others at NotBefore.  Returns whether the rollout completed, and the verdict."""
    from vmspec.model import CONFIGS

    c = CONFIGS[config]
    target = Target(c.topology, c.params, c.name, mutant)
    with BackgroundServer(target, Options(speed=0, seed=seed, record=tmp_path, rate_limit=0)) as server:
        names = [v.name for v in c.topology.vms]
        handlers = [Handler(server.url(n), n, log=lambda m: None) for n in names[::2]]
        pollers = [server.endpoint_url(n) for n in names[1::2]]
        for _ in range(horizon // step):
            if server.call(server.server.platform.finished):
                break
            for h in handlers:
                h.poll_once()
            for url in pollers:
                get_json(url)
            server.advance(step)
        done = server.call(server.server.platform.finished)
        return done, server.close()


@pytest.mark.parametrize("config,seed", [("TINY", 0), ("TINY", 1), ("SMALL", 2), ("LIVE_MIGRATION", 0)])
def test_seeded_rollouts_with_clients_pass_the_recording_checks(config, seed, tmp_path):
    done, verdict = _rollout_with_clients(config, seed, tmp_path)
    assert done and verdict.ok, verdict.lines


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("config", ["TINY", "SMALL", "AZURE_DEFAULT"])
def test_seeded_rollouts_with_clients_pass_the_recording_checks_campaign(config, seed, tmp_path):
    done, verdict = _rollout_with_clients(config, seed, tmp_path)
    assert done and verdict.ok, verdict.lines


@pytest.mark.parametrize("mutant,rule", [("event_id_changes_on_start", "R11"), ("incarnation_not_bumped", "R10"),
                                         ("start_before_notbefore", "R8"), ("completed_status_published", "R13")])
def test_a_served_mutant_fails_the_recording_checks_with_its_rule(mutant, rule, tmp_path):
    _, verdict = _rollout_with_clients("TINY", 0, tmp_path, mutant, horizon=400)  # TINY's dev notice is 30 s
    assert not verdict.ok and any(f" {rule} " in f for f in verdict.failures), verdict.failures


def test_an_unwritable_record_place_exits_2_before_serving(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert main(["serve", "--config", "TINY", "--port", "0", "--record", str(blocker / "rec")]) == 2
    assert "--record: cannot write the recording here" in capsys.readouterr().err


def test_a_preempt_is_served_from_its_api_version_and_the_evicted_vm_is_gone():
    """R36 through `vmspec serve`: a Preempt of the Spot VM vm1 appears in the set's document for the
    api-versions that list it (2017-11-01 on; an earlier version's document leaves it out), is Started,
    and once vm1 is evicted the event is gone from the document and the model's vm1 is gone."""
    from vmspec.model import SPOT_SCALE_SET

    target = Target(SPOT_SCALE_SET.topology, SPOT_SCALE_SET.params, "SPOT_SCALE_SET")
    with BackgroundServer(target, Options(speed=0, mode=MANUAL, rate_limit=0)) as server:
        server.apply("platform_preempt_vm", "vm1")
        for version in API_VERSIONS:
            (event,) = get_json(server.endpoint_url("vm1", version))[1]["Events"] or [None]
            if version < "2017-11-01":
                assert event is None, version
            else:
                assert event["EventType"] == "Preempt" and event["EventId"] == event_guid("h1#1"), version
        server.advance(1)
        server.apply("platform_start_event", "h1#1")
        assert get_json(server.endpoint_url("vm0"))[1]["Events"][0]["EventStatus"] == "Started"
        server.apply("host_evict_vm", "h1")
        assert get_json(server.endpoint_url("vm0"))[1]["Events"] == []
        assert server.state().vms[1].status == "gone"
