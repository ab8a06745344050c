"""`vmspec serve`: a Scheduled Events endpoint for every VM of a topology, driven by the model.

Runs until Ctrl-C or SIGTERM (or `--duration`, or `--exit-when-done`), then completes the
recordings, checks them and prints the verdict: exit 0 when every capture and the trace pass,
1 when one fails, 2 on bad input (a scenario step the model does not allow, an unknown VM...).
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from pathlib import Path

from vmspec.properties.cli.main import add_target_arguments, target_from
from vmspec.properties.cli.output import print_json
from vmspec.properties.io.errors import InputError
from vmspec.properties.serve.app import RATE_LIMIT
from vmspec.properties.serve.scenario import load
from vmspec.properties.serve.server import Options, Server

DEFAULT_CONFIG = "AZURE_DEFAULT"
GRACE = 2.0  # wall seconds served after --exit-when-done sees the work done, so clients see the end


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="serve /metadata/scheduledevents for every VM, driven by the model")
    add_target_arguments(p)
    p.add_argument("--scenario", metavar="FILE", help="a scripted schedule (TOML; notes/serve.md), "
                                                       "validated against the model before it runs")
    p.add_argument("--seed", type=int, default=0, help="seed of the scheduler (default 0)")
    p.add_argument("--speed", type=float, default=1.0,
                   help="model seconds per wall second (default 1: real time)")
    p.add_argument("--bind", default="127.0.0.1", help="address to listen on (default 127.0.0.1, loopback)")
    p.add_argument("--port", type=int, default=8080, help="port (default 8080; 0 picks a free one)")
    p.add_argument("--record", type=Path, metavar="DIR",
                   help="write each VM's capture and the model's trace here; check them on exit")
    p.add_argument("--freeze-pid", type=int, metavar="PID",
                   help="stop (SIGSTOP) and continue this process for exactly its VM's pauses")
    p.add_argument("--freeze-vm", metavar="NAME", help="the VM whose pauses --freeze-pid plays (default: the first)")
    p.add_argument("--rate-limit", type=int, default=RATE_LIMIT, metavar="N",
                   help=f"requests per second per VM before 429 (default {RATE_LIMIT}, as documented; 0: none)")
    p.add_argument("--duration", type=float, metavar="SECONDS", help="stop after this many wall seconds")
    p.add_argument("--exit-when-done", action="store_true",
                   help="stop once the rollout is complete (or the scenario's last step taken)")
    p.set_defaults(func=cmd_serve)


def options_from(opts: argparse.Namespace) -> Options:
    if opts.speed < 0:
        raise InputError("--speed", None, None, f"expected model seconds per wall second >= 0, got {opts.speed}")
    if not 0 <= opts.port <= 65535:
        raise InputError("--port", None, None, f"expected a port 0..65535, got {opts.port}")
    if opts.rate_limit < 0:
        raise InputError("--rate-limit", None, None, f"expected requests per second >= 0, got {opts.rate_limit}")
    scenario = load(opts.scenario) if opts.scenario else None
    return Options(bind=opts.bind, port=opts.port, seed=opts.seed, speed=opts.speed, scenario=scenario,
                   record=opts.record, freeze_pid=opts.freeze_pid, freeze_vm=opts.freeze_vm,
                   rate_limit=opts.rate_limit)


def cmd_serve(opts: argparse.Namespace) -> int:
    target = target_from(opts, default=DEFAULT_CONFIG)
    server = Server(target, options_from(opts))  # InputError (exit 2) before anything is served
    return asyncio.run(_serve(server, opts))


def _say(text: str) -> None:
    print(text, flush=True)


async def _serve(server: Server, opts: argparse.Namespace) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):
            pass
    try:
        await server.start()
    except OSError as exc:
        raise InputError(f"{opts.bind}:{opts.port}", None, None, f"cannot listen: {exc.strerror or exc}") from None
    spec, t = server.spec, server.target
    what = t.label + (f" (mutant {t.mutant})" if t.mutant else "")
    mode = f"scenario {opts.scenario}" if opts.scenario else f"seed {opts.seed}"
    if not opts.json:
        _say(f"vmspec serve: {len(spec.vm_names)} VMs of {what}, {mode}, speed {opts.speed:g} model s per s")
        _say(f"listening on http://{opts.bind}:{server.port}/<vm>/metadata/scheduledevents, e.g.")
        for name in spec.vm_names[:3]:
            _say(f"  {server.endpoint_url(name)}")
        if server.recorder is not None:
            _say(f"recording to {opts.record}")
        _say("Ctrl-C stops, completes the recordings and checks them")
    deadline = None if opts.duration is None else loop.time() + opts.duration
    done_at: float | None = None
    while not stop.is_set():
        try:
            await asyncio.wait_for(stop.wait(), 0.1)
        except TimeoutError:
            pass
        if deadline is not None and loop.time() >= deadline:
            break
        if opts.exit_when_done:
            server.platform.advance_to(server.clock.model_now())
            if server.platform.finished() or server.platform.stuck is not None:
                done_at = done_at or loop.time()
                if loop.time() - done_at >= GRACE:
                    break
    verdict = await server.stop()
    ep = server.endpoint
    summary = {
        "requests": ep.requests if ep else 0,
        "errors": dict(sorted(ep.errors.items())) if ep else {},
        "model_seconds": float(server.platform.now),
        "steps": server.platform.steps_taken,
        "finished": server.platform.finished(),
        "stuck": server.platform.stuck,
    }
    if server.freezer is not None:
        summary["pauses"] = [{"model_s": float(m), "wall_s": round(w, 4)} for m, w in server.freezer.pauses]
    if opts.json:
        print_json({**summary, "verdict": None if verdict is None else verdict.to_json()})
    else:
        _say(f"served {summary['requests']} requests ({summary['errors'] or 'no errors'}); "
             f"{summary['steps']} model steps over {summary['model_seconds']:.3f} model seconds"
             + ("; rollout complete" if summary["finished"] else ""))
        if server.platform.stuck:
            _say(f"the platform is stuck: {server.platform.stuck}")
        for pause in summary.get("pauses", []):
            _say(f"froze process {opts.freeze_pid} for {pause['wall_s']} s (model pause {pause['model_s']} s)")
        if verdict is not None:
            for line in verdict.lines:
                _say(line)
            _say("recording: " + ("all checks pass" if verdict.ok else "FAILED"))
    sys.stdout.flush()
    return 0 if verdict is None or verdict.ok else 1
