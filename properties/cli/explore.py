"""`vmspec explore`: exhaustive search of one target, counterexamples written to a directory."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from vmspec.properties.cli.main import MAX_STATES, add_target_arguments, count, target_from
from vmspec.properties.cli.output import (
    console,
    print_json,
    print_outcome,
    print_written,
    save_counterexamples,
    verdict_table,
)
from vmspec.properties.engines.explore import CHECK_MAX_STATES, explore, summary, verdicts
from vmspec.properties.evidence.verdict import Tally
from vmspec.properties.io.errors import InputError

GRAPH_LIMIT = 100_000  # states: beyond this a DOT or GraphML file is no longer readable
GRAPH_SUFFIXES = (".dot", ".gv", ".graphml")
MAX_JOBS = 64  # worker processes of a parallel search


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("explore", help="explore every reachable state and check every property (exhaustive)")
    add_target_arguments(p)
    p.add_argument("--no-symmetry", action="store_true", help="do not merge symmetric states")
    p.add_argument("--max-states", type=count("--max-states", MAX_STATES), metavar="N",
                   help="stop after N distinct states (the run is then incomplete); without --config or "
                        f"--topology the default configuration is explored up to {CHECK_MAX_STATES:,}, as in check")
    p.add_argument("--jobs", type=count("--jobs", MAX_JOBS), default=1, metavar="N",
                   help="worker processes sharing the search, states partitioned by hash (default 1); the states, "
                   "verdicts and counterexamples are the same for any N")
    p.add_argument("--graph", type=Path, metavar="OUT", help="write the state graph as OUT.dot or OUT.graphml")
    p.add_argument("--out", type=Path, default=Path("vmspec-results"), help="where counterexamples go")
    p.add_argument("--engine", choices=("python", "spin"), default="python",
                   help="python: vmspec's own explorer (default); spin: the generated Promela model searched by "
                        "SPIN's compiled verifier, its counterexamples replayed through the model (needs spin and gcc)")
    p.add_argument("--bitstate", action="store_true",
                   help="with --engine spin: SPIN's bitstate search for configurations beyond exhaustive reach "
                        "(never complete: its coverage is printed as SPIN's hash factor)")
    p.add_argument("--seconds", type=float, metavar="S",
                   help="with --engine spin: stop each pan search after S seconds (the run is then incomplete)")
    p.add_argument("--swarm", type=int, metavar="N",
                   help="with --engine spin: N bitstate depth-first runs, each with its own hash function and "
                        "transition order (SPIN's -rhash), their findings put together (never complete)")
    p.add_argument("--cores", type=int, metavar="N",
                   help="with --engine spin: SPIN's multi-core breadth-first search on N cores (same states; "
                        "counterexamples replayed as always)")
    p.set_defaults(func=cmd_explore)


def _check_options(opts: argparse.Namespace) -> None:
    if opts.max_states is not None and opts.max_states < 1:
        raise InputError("<command line>", None, "--max-states", f"expected a positive number, got {opts.max_states}")
    if opts.jobs < 1:
        raise InputError("<command line>", None, "--jobs", f"expected a positive number, got {opts.jobs}")
    if opts.graph is not None and opts.graph.suffix.lower() not in GRAPH_SUFFIXES:
        raise InputError(str(opts.graph), None, "--graph", "expected a file ending in .dot, .gv or .graphml")


def cmd_explore(opts: argparse.Namespace) -> int:
    _check_options(opts)
    if opts.engine == "spin":
        return cmd_explore_spin(opts)
    for flag, value in (("--bitstate", opts.bitstate), ("--seconds", opts.seconds), ("--swarm", opts.swarm),
                        ("--cores", opts.cores)):
        if value:
            raise InputError("<command line>", None, flag, "only with --engine spin")
    target = target_from(opts)
    max_states = opts.max_states
    if max_states is None and not (opts.config or opts.topology or opts.mutant):
        max_states = CHECK_MAX_STATES  # the default configuration is bounded as in `vmspec check`
    result = explore(
        target.spec(), config=target.label, mutant=target.mutant, symmetry=not opts.no_symmetry,
        max_states=max_states, progress=sys.stderr.isatty() and not opts.json, keep_graph=opts.graph is not None,
        jobs=opts.jobs,
    )
    vs = verdicts(result)
    failed = [v for v in vs if v.failed]
    files = save_counterexamples(vs, opts.out) if failed else []
    graph_file = None
    if opts.graph is not None:
        if result.states > GRAPH_LIMIT:
            raise InputError(str(opts.graph), None, "--graph",
                             f"the graph has {result.states:,} states; export is limited to {GRAPH_LIMIT:,} "
                             "(choose a smaller configuration or --max-states)")
        from vmspec.properties.engines.graph import write_graph

        graph_file = write_graph(result.graph, opts.graph)
    if opts.json:
        print_json({
            "target": target.label, "mutant": target.mutant, "ok": not failed, "figures": result.figures(),
            "tally": Tally.of(vs).to_json(),
            "reached": sorted(result.reached), "verdicts": [v.to_json() for v in vs],
            "counterexamples": [str(f) for f in files], "graph": str(graph_file) if graph_file else None,
        })
    else:
        title = f"vmspec explore {target.label}" + (f" (mutant {target.mutant})" if target.mutant else "")
        console.print(verdict_table(title, vs))
        console.print(f"explore: {summary(result)}")
        print_written(files)
        if graph_file:
            console.print(f"state graph written to {graph_file}")
        print_outcome(vs)
    return 1 if failed else 0


def cmd_explore_spin(opts: argparse.Namespace) -> int:
    """`vmspec explore --engine spin`: SPIN's exhaustive breadth-first search of the generated model."""
    from vmspec.properties.engines import promela, spin

    for flag, value in (("--graph", opts.graph), ("--max-states", opts.max_states), ("--no-symmetry", opts.no_symmetry),
                        ("--jobs", opts.jobs > 1)):
        if value:
            raise InputError("<command line>", None, flag, "not available with --engine spin (SPIN's search is "
                             "exhaustive and unreduced, and keeps no graph)")
    if opts.seconds is not None and not opts.seconds > 0:
        raise InputError("<command line>", None, "--seconds", f"expected a positive number, got {opts.seconds}")
    for flag, value in (("--swarm", opts.swarm), ("--cores", opts.cores)):
        if value is not None and value < 1:
            raise InputError("<command line>", None, flag, f"expected a positive number, got {value}")
    if opts.swarm and opts.cores and opts.cores > 1:
        raise InputError("<command line>", None, "--cores", "not with --swarm (each swarm run is one pan process)")
    target = target_from(opts)
    spec = target.spec()
    try:
        spin.tools()
        model = promela.generate(spec, target.mutant, config=target.label)
    except spin.SpinMissing as exc:
        raise InputError("<environment>", None, "--engine spin", str(exc)) from None
    except promela.NotEncoded as exc:
        raise InputError(target.label, None, "--engine spin", str(exc)) from None
    if opts.swarm:
        compiled = spin.compile_model(model, swarm=True)
        result = spin.swarm(spec, config=target.label, mutant=target.mutant, compiled=compiled, runs=opts.swarm,
                            seconds=opts.seconds)
    else:
        compiled = spin.compile_model(model, bitstate=opts.bitstate, cores=opts.cores or 1)
        result = spin.search(spec, config=target.label, mutant=target.mutant, compiled=compiled,
                             seconds=opts.seconds)
    vs = spin.verdicts(result)
    failed = [v for v in vs if v.failed]
    files = save_counterexamples(vs, opts.out) if failed else []
    if opts.json:
        print_json({
            "target": target.label, "mutant": target.mutant, "engine": "spin", "ok": not failed,
            "figures": result.figures(), "tally": Tally.of(vs).to_json(), "reached": sorted(result.reached),
            "not_checked": list(result.not_checked), "verdicts": [v.to_json() for v in vs],
            "counterexamples": [str(f) for f in files],
        })
    else:
        title = f"vmspec explore --engine spin {target.label}" + (f" (mutant {target.mutant})" if target.mutant else "")
        console.print(verdict_table(title, vs))
        console.print(f"spin: {spin.summary(result)}")
        print_written(files)
        print_outcome(vs)
    return 1 if failed else 0
