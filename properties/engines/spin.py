"""SPIN as an exhaustive engine: the generated Promela model (`promela.generate`) compiled
into SPIN's verifier `pan` and searched breadth-first.

One search finds each property's shortest counterexample: pan goes on after an error and
writes a trail for each (`-c0 -e`), and the generated model reports each property once, the
first time it fires (the shallowest, breadth-first), and a deadlock once.  Each trail is
replayed by pan (`-r`), its steps are read back as the model's steps and **replayed through
the Python model**, which must refuse none of them and must judge the property as SPIN did at
the end (a disagreement is an error: verdict *unknown*, never a pass).  The search's figures are
the state graph's.  On several cores (`-DBFS_PAR`) every core reports its own errors, so there
pan stops at the first error, that assertion is switched off (`VMSPEC_OFF`) and the search runs
again, until a search finds nothing.  Counterexamples
are the shared `Counterexample`, built as the Python explorer builds them.

Requires the `spin` and a C compiler (Debian: `apt-get install -y spin gcc`); without them
`SpinMissing` says what to install.  notes/spin.md says what is translated and what is not.
"""

from __future__ import annotations

import hashlib
import os
import re
import resource
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from vmspec.model import Spec, State, Step
from vmspec.model.state import OUTSIDE
from vmspec.properties.catalogue.registry import ALWAYS, DEADLOCK, REGISTRY, SOMETIMES, STATE, by_name
from vmspec.properties.engines.explore import ExploreResult
from vmspec.properties.engines.explore import verdicts as explore_verdicts
from vmspec.properties.engines.promela import (
    LIVENESS,
    Instance,
    LivenessModel,
    Model,
    NotEncoded,
    generate,
    generate_liveness,
)
from vmspec.properties.evidence import counterexample as cx
from vmspec.properties.evidence.verdict import UNKNOWN, Verdict

__all__ = ["ENGINE", "INSTALL", "SpinMissing", "SpinDisagreement", "NotEncoded", "Compiled", "compile_model",
           "search", "verdicts", "tools"]

ENGINE = "spin"
INSTALL = "apt-get install -y spin gcc"
CFLAGS = ("-DBFS", "-DSAFETY", "-DNOREDUCE", "-w")
LIVE_CFLAGS = ("-DNOREDUCE", "-DNOFAIR", "-w")  # nested depth-first search for acceptance cycles
LIVE_DEPTH = 10_000_000  # pan's largest depth bound for the liveness runs (reaching it leaves them undecided)
REPLAY_HASH = "-w4"  # a replay stores no state: pan's default hash table (128 MB) took 0.15 s to allocate
SMALL_MODEL, LARGE_MODEL = 60, 200  # action instances: pan is compiled with -O2 only between the two


class SpinMissing(Exception):
    """SPIN or a C compiler is not installed; the message names the install command."""


class SpinDisagreement(Exception):
    """SPIN's counterexample does not replay through the Python model as SPIN judged it."""


def tools() -> tuple[str, str]:
    """The paths of `spin` and of a C compiler, or `SpinMissing`."""
    spin = shutil.which("spin")
    cc = os.environ.get("CC") or shutil.which("gcc") or shutil.which("cc")
    missing = [name for name, path in (("spin", spin), ("a C compiler (gcc)", cc)) if not path]
    if missing:
        raise SpinMissing(f"the spin engine needs {' and '.join(missing)}, which {'is' if len(missing) == 1 else 'are'}"
                          f" not installed; on Debian or Ubuntu: {INSTALL}")
    assert spin and cc
    return spin, cc


@dataclass
class Compiled:
    """A generated model compiled into pan, in its own directory."""

    model: Model | LivenessModel
    directory: Path
    compile_seconds: float
    bitstate: bool = False
    swarm: bool = False  # depth-first with random hash functions and transition orders (bitstate)
    cores: int = 1  # SPIN's multi-core breadth-first search (-DBFS_PAR) on this many cores

    @property
    def pan(self) -> Path:
        return self.directory / "pan"


def compile_model(model: Model | LivenessModel, directory: Path | None = None, *, bitstate: bool = False,
                  swarm: bool = False, cores: int = 1, shorten: bool = False) -> Compiled:
    """Write the model, generate pan with `spin -o2 -a` and compile it (with `bitstate`, SPIN's
    supertrace: one bit array instead of a state table, for configurations beyond exhaustive reach;
    with `swarm`, a bitstate depth-first pan whose runs each draw a hash function and a transition
    order from their seed; with `cores` > 1, SPIN's multi-core breadth-first search; a liveness
    model for SPIN's nested depth-first search of acceptance cycles, and with `shorten` for its
    search of shorter ones, `pan -i`, which revisits a state reached by a shorter path)."""
    spin, cc = tools()
    started = time.perf_counter()
    # optimise mid-sized models only: small ones search in well under a second, and a huge model's
    # C compiles minutes longer optimised than pan then saves
    optimise = SMALL_MODEL <= len(model.instances) <= LARGE_MODEL
    base = LIVE_CFLAGS if isinstance(model, LivenessModel) else CFLAGS
    if swarm:
        bitstate, base = True, tuple(f for f in base if f != "-DBFS") + ("-DPERMUTED",)
    elif cores > 1:
        base = tuple("-DBFS_PAR" if f == "-DBFS" else f for f in base)
    flags = ("-O2" if optimise else "-O0", *base) + (("-DBITSTATE",) if bitstate else ()) + \
        (("-DREACH",) if shorten else ())
    if directory is None:
        digest = hashlib.sha256((" ".join(flags) + "\n" + model.text).encode()).hexdigest()[:16]
        directory = Path(tempfile.gettempdir()) / f"vmspec-spin-{os.getuid()}-{digest}"
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "model.pml").write_text(model.text)
    if not (directory / "pan").exists():
        _run([spin, "-o2", "-a", "model.pml"], directory, "spin -a")
        _run([cc, *flags, "-o", "pan.tmp", "pan.c"], directory, "compiling pan")
        os.replace(directory / "pan.tmp", directory / "pan")
    return Compiled(model, directory, time.perf_counter() - started, bitstate, swarm, cores if not swarm else 1)


_TRAILS = iter(range(1, 1 << 62))


def _suffix() -> str:
    """A trail suffix of this process's own (`pan -t<suffix>`): processes sharing a compiled model's
    directory (test workers, two commands) never read each other's trails."""
    return f"trail{os.getpid()}n{next(_TRAILS)}"


def _run(cmd: list[str], cwd: Path, what: str, env: dict | None = None) -> str:
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=env)
    if proc.returncode != 0 and what != "pan":
        raise RuntimeError(f"{what} failed ({proc.returncode}): {(proc.stderr or proc.stdout)[-2000:]}")
    return proc.stdout + proc.stderr


def _run_for(args: list[str], cwd: Path, env: dict, seconds: float | None) -> tuple[str, bool]:
    """pan's output, and whether it was interrupted: with `seconds`, pan gets SIGINT when the budget
    runs out, after which it prints its figures (and keeps the trails it wrote)."""
    proc = subprocess.Popen(args, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    try:
        return proc.communicate(timeout=seconds)[0], False
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGINT)
        return proc.communicate()[0], True


@dataclass
class PanRun:
    states: int
    transitions: int
    depth: int
    errors: list[tuple[str, str | None]]  # ("deadlock" or a property name, the trail pan wrote), as found
    seconds: float
    output: str
    interrupted: bool = False  # the time budget ran out
    hash_factor: float | None = None  # SPIN's hash factor (bitstate: bits per state stored, best if > 100)
    trails: str = ""  # the suffix of this run's trail files


_NUM = {"states": re.compile(r"^\s*(\d+) states, stored", re.M),
        "transitions": re.compile(r"^\s*(\d+) transitions \(= stored\+matched\)", re.M),
        "depth": re.compile(r"depth reached (\d+)")}
_ERROR = re.compile(r"pan:\d+: (?:vmspec property (\d+) (?:violated|reached)|(invalid end state))")
_WROTE = re.compile(r"pan: wrote (\S+)")


def _pan(c: Compiled, off: set[int], deadlock: bool, hash_bits: int, seconds: float | None = None,
         extra: tuple[str, ...] = (), every: bool = False) -> PanRun:
    """One pan search; with `seconds`, interrupted (SIGINT, after which pan prints its figures) when
    the budget runs out.  With `every`, the search goes on after an error and writes a trail for
    each: the generated model reports each property once (its check switches itself off when it
    fires) and a deadlock once, so the first trail of each is its shortest in a breadth-first search."""
    env = dict(os.environ, VMSPEC_OFF=",".join(map(str, sorted(off))))
    suffix = _suffix()
    args = [str(c.pan), *(("-c0", "-e") if every else ("-c1",)), f"-w{hash_bits}", "-m1000000"] + \
        (["-k3"] if c.bitstate else []) + ([] if deadlock else ["-E"]) + ([f"-u{c.cores}"] if c.cores > 1 else []) + \
        list(extra) + [f"-t{suffix}"]
    started = time.perf_counter()
    out = _run_for(args, c.directory, env, seconds)[0]  # interrupted: pan says so in its output
    seconds = time.perf_counter() - started
    nums = {k: int(m.group(1)) if (m := rx.search(out)) else 0 for k, rx in _NUM.items()}
    errors: list[tuple[str, str | None]] = []
    for m in _ERROR.finditer(out):
        name = "deadlock" if m.group(2) else c.model.assertions[int(m.group(1))]
        # the trail follows its error (the multi-core search names each core's trail after the error it found)
        wrote = _WROTE.search(out, m.end())
        errors.append((name, wrote.group(1) if wrote else None))
        if not every:
            break
    if not errors and "errors: 0" not in out and "Interrupted" not in out:
        raise RuntimeError(f"pan reported something vmspec does not read:\n{out[-2000:]}")
    factor = re.search(r"hash factor: ([0-9.e+]+)", out)
    return PanRun(nums["states"], nums["transitions"], nums["depth"], errors, seconds, out,
                  "Interrupted" in out, float(factor.group(1)) if factor else None, suffix)


def _trail(c: Compiled, trail: str | None) -> list[int]:
    """The instance numbers along a trail pan wrote, by pan's replay (`-r`) with every check off
    (a check firing on the way would end the replay early)."""
    if trail is None:
        raise SpinDisagreement("SPIN reports an error but wrote no trail")
    env = dict(os.environ, VMSPEC_OFF=",".join(map(str, range(len(c.model.assertions)))))
    out = _run([str(c.pan), "-r", trail, "-n", REPLAY_HASH], c.directory, "pan", env)
    return [int(k) for k in re.findall(r"^@step (\d+)$", out, re.M)]


def _forget(c: Compiled, run: PanRun) -> None:
    for f in c.directory.glob(f"model.pml*{run.trails}"):
        f.unlink(missing_ok=True)


def steps_of(spec: Spec, instances: list[Instance], trail: list[int]) -> list[tuple[Step, State]]:
    """The model's steps along a SPIN trail, replayed through the Python model (an instance
    names the action and its object; EventIds and the time step are read from the replayed
    state).  A step the model refuses raises `SpinDisagreement`."""
    s = spec.initial_state()
    path: list[tuple[Step, State]] = []
    for n, k in enumerate(trail, 1):
        inst = instances[k]
        info_kind = _kind(inst.action)
        if info_kind == "host":
            args: tuple = (spec.host_names[inst.obj],)
            if inst.extra is not None:
                args += (inst.extra,)
        elif info_kind == "event":
            # the event in the host's slot: announced for it (an event of several hosts lives in the slot
            # of the host it was announced for, R30)
            e = next((x for x in s.events if x.host == inst.obj), None)
            if e is None:
                raise SpinDisagreement(f"step {n}: SPIN took {inst.action} on host {spec.host_names[inst.obj]}'s "
                                       "event, but the model's state has none")
            args = (e.event_id,)
            if inst.extra is not None:
                args += ("outside" if inst.extra == OUTSIDE else spec.vm_names[inst.extra],)
        elif info_kind == "vm":
            args = (spec.vm_names[inst.obj],)
        else:
            args = (spec.time_choices(s)[0],)
        st = Step(inst.action, args)
        try:
            t = spec.step(s, st)
        except Exception as exc:  # ActionNotEnabled, or arguments the model cannot resolve
            raise SpinDisagreement(f"step {n} of SPIN's trail, {st}, does not replay through the model: {exc}") from None
        path.append((st, t))
        s = t
    return path


def _kind(action: str) -> str:
    from vmspec.model import ACTION_INFO

    return ACTION_INFO[action].kind


@dataclass
class Liveness:
    """What the liveness runs decided: counterexamples, and why a property stays undecided."""

    counterexamples: dict[str, cx.Counterexample] = field(default_factory=dict)
    undecided: dict[str, str] = field(default_factory=dict)  # property -> why SPIN gives no verdict
    states: int = 0  # the largest product (state and claim) a run stored
    runs: int = 0
    seconds: float = 0.0
    compile_seconds: float = 0.0
    shortened: dict[str, tuple[int, int]] = field(default_factory=dict)  # property -> steps first found, kept
    shortening_cut: list[str] = field(default_factory=list)  # properties whose shortening ran out of time


SHORTEN_SECONDS = 20.0  # the budget of each search for a shorter acceptance cycle (wall seconds)

_LIVE_ERROR = re.compile(r"pan:1: (acceptance cycle|assertion violated)")


def liveness(spec: Spec, *, config: str = "?", mutant: str | None = None,
             compiled: Compiled | None = None, states: int = 0) -> Liveness:
    """R18 and R19 under the model's weak fairness by SPIN's acceptance-cycle search (notes/spin.md,
    promela.generate_liveness): one run per obligation (a host to be patched, a VM to resume) after a
    run that looks for a cycle without a time step.  Each cycle SPIN finds is replayed through the
    Python model as a lasso (or a stutter or deadlock), which must be reproduced there.  `states` (the
    safety search's count) sizes pan's hash table and first depth bound, raised tenfold while pan
    reports it too small."""
    started = time.perf_counter()
    c = compiled or compile_model(generate_liveness(spec, mutant, config=config))
    model = c.model
    assert isinstance(model, LivenessModel)
    out = Liveness(compile_seconds=c.compile_seconds)
    props = list(LIVENESS)
    settings = {"engine": ENGINE, "search": "nested depth-first, acceptance cycles under weak fairness"}
    for ob in [-1] + list(range(len(model.obligations))):
        prop = None if ob < 0 else model.obligations[ob][0]
        if prop is not None and (prop in out.counterexamples or prop in out.undecided):
            continue
        env = dict(os.environ, VMSPEC_OB=str(ob))
        depth, bits = max(100_000, 4 * states), max(18, min(26, (8 * states).bit_length()))
        while True:
            text = _run([str(c.pan), "-a", f"-m{depth}", f"-w{bits}", f"-t{_suffix()}"], c.directory, "pan", env)
            out.runs += 1
            if "max search depth too small" not in text or depth >= LIVE_DEPTH:
                break
            depth = min(LIVE_DEPTH, depth * 10)
        m = re.search(r"^\s*(\d+) states, stored", text, re.M)
        out.states = max(out.states, int(m.group(1)) if m else 0)
        err = _LIVE_ERROR.search(text)
        why = None
        if "max search depth too small" in text:
            why = f"pan's depth bound ({depth:,}) was reached: the search is incomplete"
        elif err and err.group(1) == "assertion violated":
            k = re.search(r"vmspec self-disabling (\d+)", text)
            inst = model.instances[int(k.group(1))] if k else None
            why = (f"a fair action stays enabled after it is taken ({inst.action if inst else '?'}), so its fairness "
                   "is not the state condition the never claim waits for")
        elif err and ob < 0:
            why = ("SPIN found a cycle without a time step, where its one time instance is coarser than the "
                   "explorer's per-step-length time instances")
        elif err is None and "errors: 0" not in text:
            raise RuntimeError(f"pan reported something vmspec does not read:\n{text[-2000:]}")
        if why is not None:
            for p in ([prop] if prop and "depth" not in why else props):
                out.undecided.setdefault(p, why)
            if prop is None or "depth" not in why:
                break
            continue
        if err is None:
            continue
        assert prop is not None
        try:
            first = _lasso(spec, c, env, prop, config, mutant, settings, text)
            out.counterexamples[prop] = first
            short, cut = _shorter_lasso(spec, c, env, prop, config, mutant, settings, depth, bits, out)
            if short is not None and len(short) < len(first):
                out.counterexamples[prop] = short
            out.shortened[prop] = (len(first), len(out.counterexamples[prop]))
            if cut:
                out.shortening_cut.append(prop)
        except SpinDisagreement as exc:
            out.counterexamples.pop(prop, None)
            out.undecided[prop] = "SPIN and the Python model disagree: " + str(exc)
    out.seconds = time.perf_counter() - started
    return out


def _shorter_lasso(spec: Spec, c: Compiled, env: dict, prop: str, config: str, mutant: str | None,
                   settings: dict, depth: int, bits: int, out: Liveness) -> tuple[cx.Counterexample | None, bool]:
    """A shorter acceptance cycle for the obligation of `env` than the nested depth-first search's
    first, by pan's iterative shortening (`-i`: each cycle found lowers the depth bound, and a
    state is searched again when reached by a shorter path), within `SHORTEN_SECONDS`; and whether
    the budget cut it.  The lasso is the last and shortest it wrote, replayed like the first."""
    r = compile_model(c.model, c.directory / "shorten", shorten=True)
    out.compile_seconds += r.compile_seconds
    text, cut = _run_for([str(r.pan), "-a", "-i", f"-m{depth}", f"-w{bits}", f"-t{_suffix()}"], r.directory, env,
                         SHORTEN_SECONDS)
    out.runs += 1
    if "pan: wrote" not in text:
        return None, cut
    return _lasso(spec, r, env, prop, config, mutant, settings, text), cut


def _lasso(spec: Spec, c: Compiled, env: dict, prop: str, config: str, mutant: str | None,
           settings: dict, first: str) -> cx.Counterexample:
    """SPIN's acceptance cycle (the last trail pan wrote) as the explorer's counterexample,
    replayed through the Python model."""
    model = c.model
    wrote = re.findall(r"pan: wrote (\S+)", first)
    if not wrote:
        raise SpinDisagreement("SPIN reports an acceptance cycle but wrote no trail")
    text = _run([str(c.pan), "-r", wrote[-1], "-n", REPLAY_HASH], c.directory, "pan", env)
    (c.directory / wrote[-1]).unlink(missing_ok=True)
    stutter = len(model.instances)
    prefix: list[int] = []
    cycle: list[int] | None = None
    for line in text.splitlines():
        if line.startswith("<<<<<START OF CYCLE>>>>>"):
            cycle = []
        elif (m := re.match(r"^@step (\d+)$", line)) and int(m.group(1)) != stutter:
            (prefix if cycle is None else cycle).append(int(m.group(1)))
    if cycle is None:
        raise SpinDisagreement("SPIN's trail of an acceptance cycle marks no cycle")
    path = steps_of(spec, model.instances, prefix + cycle)
    p = by_name(prop)
    if cycle:
        states = [t for _, t in path[len(prefix) - 1:]] if prefix else [spec.initial_state()] + [t for _, t in path]
        pending = frozenset.intersection(*(frozenset(p.check(spec, x)) for x in states))
        msg = f"{', '.join(sorted(pending)) or '?'} is pending forever on a fair cycle of {len(cycle)} steps"
        c_ = cx.build(spec, path, prop, msg, kind=cx.LASSO, loop_start=len(prefix) + 1, engine=ENGINE,
                      config=config, mutant=mutant, engine_settings=settings)
    else:
        last = path[-1][1] if path else spec.initial_state()
        pending = ", ".join(sorted(p.check(spec, last)))
        enabled = sorted({st.name for st, _ in spec.successors(last)})
        if enabled:
            msg = (f"only unfair actions ({', '.join(enabled)}) are enabled, so the run may stay here forever while "
                   f"{pending} is still pending")
            kind = cx.STUTTER
        else:
            msg, kind = f"no action is enabled while {pending} is still pending", cx.DEADLOCK_KIND
        c_ = cx.build(spec, path, prop, msg, kind=kind, engine=ENGINE, config=config, mutant=mutant,
                      engine_settings=settings)
    verdict = cx.replay(c_)
    if not verdict.reproduced:
        raise SpinDisagreement(f"SPIN's {c_.kind} of {len(c_)} steps for {prop} is not one in the model: "
                               f"{verdict.detail}")
    return c_


@dataclass
class SpinResult(ExploreResult):
    compile_seconds: float = 0.0
    pan_runs: int = 0
    disagreements: dict[str, str] = field(default_factory=dict)  # property -> why SPIN and the model disagree
    not_checked: tuple[str, ...] = ()  # properties this run gives no verdict on
    bitstate: bool = False
    hash_factor: float | None = None
    live: Liveness | None = None  # the liveness runs, when they ran
    swarm_runs: int = 0  # a swarm: this many bitstate runs, their figures the largest of any (hash factor: least)

    @property
    def coverage(self) -> str:
        """What an incomplete search covered, in SPIN's terms."""
        factor = f", hash factor {self.hash_factor:,.0f} (SPIN: best if > 100)" if self.hash_factor else ""
        if self.swarm_runs:
            return (f"not exhaustive: swarm of {self.swarm_runs} bitstate depth-first runs (each its own hash "
                    f"function and transition order), at most {self.states:,} states in one run{factor}")
        how = "bitstate" if self.bitstate else "exhaustive search cut by the time budget"
        return f"not exhaustive: {how}, {self.states:,} states{factor}"

    def figures(self) -> dict:
        out = super().figures()
        out.update(engine=ENGINE, compile_seconds=round(self.compile_seconds, 3), pan_runs=self.pan_runs,
                   bitstate=self.bitstate, hash_factor=self.hash_factor, swarm_runs=self.swarm_runs)
        if self.live is not None:
            out.update(liveness_runs=self.live.runs, liveness_states=self.live.states,
                       liveness_seconds=round(self.live.seconds, 3),
                       liveness_compile_seconds=round(self.live.compile_seconds, 3))
        return out


def _judge(spec: Spec, prop: str, path: list[tuple[Step, State]]) -> str | None:
    """The Python model's own judgement at the end of `path`: the property's message (for a
    sometimes-property, "reached"), or None when the model does not see what SPIN saw."""
    s0 = spec.initial_state()
    t = path[-1][1] if path else s0
    if prop == "deadlock":
        return None if any(True for _ in spec.successors(t)) else "deadlock"
    p = by_name(prop)
    if p.scope == STATE:
        result = p.check(spec, t)
    elif not path:
        return None
    else:
        s = path[-2][1] if len(path) > 1 else s0
        st = path[-1][0]
        result = p.check(spec, s, st, t)
    if p.kind == SOMETIMES:
        return "reached" if result else None
    return result or None


def search(spec: Spec, *, config: str = "?", mutant: str | None = None, compiled: Compiled | None = None,
           hash_bits: int | None = None, seconds: float | None = None,
           live: bool | Compiled = True, pan_args: tuple[str, ...] = ()) -> SpinResult:
    """Every property's shortest counterexample (or witness) and the state graph's figures, by SPIN,
    and with `live` (a compiled liveness model, or True to build one) R18 and R19 under weak fairness.
    A bitstate model (`compile_model(..., bitstate=True)`) or a time budget (`seconds`, per pan run)
    makes the search incomplete: nothing it did not find is then said to hold, and liveness is not
    checked."""
    started = time.perf_counter()
    c = compiled or compile_model(generate(spec, mutant, config=config))
    model = c.model
    bits = hash_bits or (30 if c.bitstate else 22)
    found: dict[str, cx.Counterexample] = {}
    reached: set[str] = set()
    disagree: dict[str, str] = {}
    off: set[int] = set()
    how = ("depth-first bitstate, random hash function and transition order" if c.swarm
           else f"breadth-first on {c.cores} cores" if c.cores > 1 else "breadth-first")
    settings = {"engine": ENGINE, "search": how + (", bitstate" if c.bitstate and not c.swarm else "")}
    s0 = spec.initial_state()
    for n, name in enumerate(model.assertions):  # the initial state is no step's target: judged here
        p = by_name(name)
        if p.scope == STATE and p.check(spec, s0):
            off.add(n)
            if p.kind == SOMETIMES:
                reached.add(name)
            else:
                found[name] = cx.build(spec, [], name, p.check(spec, s0), engine=ENGINE, config=config, mutant=mutant,
                                       engine_settings=settings)
    deadlock = True
    # one search finds every property's first error, except on several cores, where each core
    # reports each error of its own: there, one error per search, switched off for the next
    every = c.cores == 1
    runs = 0
    while True:
        run = _pan(c, off, deadlock, bits, seconds, pan_args, every=every)
        runs += 1
        for name, trail_file in run.errors:
            try:
                path = steps_of(spec, model.instances, _trail(c, trail_file))
                verdict = _judge(spec, "deadlock" if name == "deadlock" else name, path)
                if verdict is None and c.cores > 1 and name != "deadlock":
                    # the multi-core search's trail stops at the state before the step SPIN judged: the
                    # first step of the model from there that the property judges alike completes it
                    last = path[-1][1] if path else s0
                    for st, t in spec.successors(last):
                        verdict = _judge(spec, name, path + [(st, t)])
                        if verdict is not None:
                            path = path + [(st, t)]
                            break
                if verdict is None:
                    raise SpinDisagreement(f"SPIN reports {name} after {len(path)} steps, but the model does not")
            except SpinDisagreement as exc:
                disagree["deadlock_free" if name == "deadlock" else name] = str(exc)
                path, verdict = None, None
            if name == "deadlock":
                deadlock = False
                dl = next(p for p in REGISTRY if p.kind == ALWAYS and p.scope == DEADLOCK)
                if path is not None:
                    msg = dl.check(spec, path[-1][1] if path else s0, 0)
                    found[dl.name] = cx.build(spec, path, dl.name, msg, kind=cx.DEADLOCK_KIND, engine=ENGINE,
                                              config=config, mutant=mutant, engine_settings=settings)
                continue
            off.add(model.assertions.index(name))
            if path is None:
                continue
            if by_name(name).kind == SOMETIMES:
                reached.add(name)
            else:
                found[name] = cx.build(spec, path, name, verdict, engine=ENGINE, config=config, mutant=mutant,
                                       engine_settings=settings)
        _forget(c, run)
        if every or not run.errors:
            break
    complete = not c.bitstate and not run.interrupted
    checked = set(model.assertions) | {p.name for p in REGISTRY if p.kind == ALWAYS and p.scope == DEADLOCK}
    lv = None
    if live is not False and complete:
        lv = liveness(spec, config=config, mutant=mutant, compiled=live if isinstance(live, Compiled) else None,
                      states=run.states)
        found.update(lv.counterexamples)
        disagree.update(lv.undecided)
        checked |= set(LIVENESS)
    seconds = time.perf_counter() - started
    return SpinResult(
        states=run.states, transitions=max(0, run.transitions - 1), depth=run.depth, seconds=seconds,
        peak_rss_mb=resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0,
        complete=complete, bitstate=c.bitstate, hash_factor=run.hash_factor, live=lv,
        counterexamples=found, reached=reached, symmetry=False, config=config, mutant=mutant,
        search_seconds=run.seconds, compile_seconds=c.compile_seconds, pan_runs=runs, disagreements=disagree,
        not_checked=tuple(p.name for p in REGISTRY if p.name not in checked),
    )


def swarm(spec: Spec, *, config: str = "?", mutant: str | None = None, runs: int = 4, seconds: float | None = None,
          compiled: Compiled | None = None, hash_bits: int | None = None, first_seed: int = 1) -> SpinResult:
    """A swarm of bitstate depth-first searches (SPIN's `-rhash -RSn`: each run draws its own hash
    function and transition order from its seed), for configurations beyond exhaustive reach: the
    runs cover different parts of the state space, and what any of them finds (each counterexample
    replayed through the model) is kept.  Never complete: nothing is said to hold."""
    started = time.perf_counter()
    c = compiled or compile_model(generate(spec, mutant, config=config), swarm=True)
    if not c.swarm:
        raise ValueError("a swarm needs a model compiled with swarm=True")
    out: SpinResult | None = None
    for seed in range(first_seed, first_seed + runs):
        r = search(spec, config=config, mutant=mutant, compiled=c, hash_bits=hash_bits, seconds=seconds,
                   live=False, pan_args=("-rhash", f"-RS{seed}"))
        if out is None:
            out = r
            continue
        for name, found in r.counterexamples.items():
            if name not in out.counterexamples or len(found) < len(out.counterexamples[name]):
                out.counterexamples[name] = found
        out.reached |= r.reached
        out.disagreements.update({k: v for k, v in r.disagreements.items() if k not in out.counterexamples})
        out.states, out.transitions = max(out.states, r.states), max(out.transitions, r.transitions)
        out.depth, out.pan_runs = max(out.depth, r.depth), out.pan_runs + r.pan_runs
        if r.hash_factor is not None:
            out.hash_factor = min(out.hash_factor or r.hash_factor, r.hash_factor)
    assert out is not None
    out.swarm_runs, out.complete, out.seconds = runs, False, time.perf_counter() - started
    return out


def verdicts(result: SpinResult) -> list[Verdict]:
    """The verdicts of a SPIN search, in the explorer's words, for the properties it checked;
    a property on which SPIN and the model disagree is *unknown*."""
    out = []
    for v in explore_verdicts(result):
        if v.property in result.not_checked:
            continue
        if v.property in result.disagreements:
            why = result.disagreements[v.property]
            if v.property not in LIVENESS:
                why = "SPIN and the Python model disagree: " + why
            v = Verdict(v.property, v.rule, v.kind, ENGINE, UNKNOWN, why)
        if v.bound:
            v = replace(v, bound=result.coverage, detail=result.coverage)
        out.append(replace(v, engine=ENGINE))
    return out


def summary(result: SpinResult) -> str:
    text = (f"{result.states:,} distinct states, {result.transitions:,} transitions, depth {result.depth}, "
            f"{result.seconds:.2f} s searching ({result.pan_runs} pan "
            f"run{'s' if result.pan_runs != 1 else ''}, the last {result.search_seconds:.2f} s; compiling pan "
            f"{result.compile_seconds:.2f} s), "
            + ("complete" if result.complete else result.coverage))
    if result.live is not None:
        text += (f"; liveness under weak fairness: {result.live.runs} acceptance-cycle searches, at most "
                 f"{result.live.states:,} states with the never claim, {result.live.seconds:.2f} s")
        for prop, (first, kept) in sorted(result.live.shortened.items()):
            text += (f"; {prop}'s lasso shortened by pan -i from {first} to {kept} steps"
                     + (f" (cut by its {SHORTEN_SECONDS:.0f} s budget)" if prop in result.live.shortening_cut else ""))
    if result.not_checked:
        text += "; not checked by this run: " + ", ".join(result.not_checked)
    return text
