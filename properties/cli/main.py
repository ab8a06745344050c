"""The `vmspec` command line: every command exits 0 when no property fails, 1 when one
fails and 2 on bad input, and offers --json for machine-readable output.

Conventions shared by every command (README, "Commands"): one default configuration,
`DEFAULT_CONFIG`; `-o/--output` always names a file and `--out` always a directory, both
checked before the work starts; input bounds raised by `--max-input-bytes` and
`--max-line-bytes` (notes/limits.md); conflicting options refused; Ctrl-C and SIGTERM end
the run with one line and the status 130 or 143, leaving no partial file.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import signal
import threading
from collections.abc import Sequence
from pathlib import Path

from rich.markup import escape

from vmspec.model import CONFIGS, PROFILES, InvalidParams, InvalidTopology, profile
from vmspec.properties.catalogue.mutants import MUTANT_BY_NAME
from vmspec.properties.cli.output import err_console
from vmspec.properties.evidence.verdict import Target
from vmspec.properties.io import limits
from vmspec.properties.io.errors import InputError
from vmspec.properties.io.files import check_output_dir, check_output_file

# Each module registers its subcommands with `register(subparsers)`.
COMMAND_MODULES = ("vmspec.properties.cli.core", "vmspec.properties.cli.events", "vmspec.properties.cli.report", "vmspec.properties.cli.trace", "vmspec.properties.cli.explore", "vmspec.properties.cli.fuzz", "vmspec.properties.cli.prove", "vmspec.properties.cli.serve", "vmspec.properties.cli.export")

DEFAULT_CONFIG = "AZURE_DEFAULT"


def add_target_arguments(p: argparse.ArgumentParser, *, mutant: bool = True) -> None:
    """--config / --topology / --profile (and --mutant): the options that choose a Target."""
    g = p.add_mutually_exclusive_group()
    g.add_argument("--config", choices=sorted(CONFIGS), help=f"a named configuration (default {DEFAULT_CONFIG})")
    g.add_argument("--topology", metavar="FILE", help="a topology file (TOML or JSON; notes/topology-format.md)")
    p.add_argument("--profile", choices=sorted(PROFILES), help="replace the parameters by a named profile")
    if mutant:
        p.add_argument("--mutant", choices=sorted(MUTANT_BY_NAME), help="check a deliberately broken variant")
    p.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    add_limit_arguments(p)


def _size(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of bytes, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive number of bytes, got {value}")
    return value


def add_limit_arguments(p: argparse.ArgumentParser) -> None:
    """--max-input-bytes / --max-line-bytes: raise the input bounds of notes/limits.md."""
    d = limits.DEFAULT
    p.add_argument("--max-input-bytes", type=_size, metavar="N",
                   help=f"longest input accepted (default {d.stream_bytes:,} bytes for a trace or a capture, "
                        f"{d.document_bytes:,} for a topology or a counterexample)")
    p.add_argument("--max-line-bytes", type=_size, metavar="N",
                   help=f"longest line of a trace or a capture (default {d.line_bytes:,} bytes)")


MAX_STEPS = 10_000_000  # steps of one walk or export: more is not a run, it is a hang
MAX_EXAMPLES = 1_000_000  # Hypothesis examples of one fuzz run
MAX_STATES = 100_000_000  # states of one exhaustive search


def count(flag: str, high: int):
    """An argparse type: a whole number at most `high`, refused with its limit named (each
    command checks the lower end and says what it expects)."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{flag} must be a whole number, got {text!r}") from None
        if value > high:
            raise argparse.ArgumentTypeError(f"{flag} {value:,} is beyond the limit of {high:,}")
        return value
    return parse


def target_from(opts: argparse.Namespace, default: str = DEFAULT_CONFIG) -> Target:
    from vmspec.properties.io.topology import load_topology

    if opts.topology:
        topology, params = load_topology(opts.topology)
        label = opts.topology
    else:
        name = opts.config or (MUTANT_BY_NAME[opts.mutant].config if getattr(opts, "mutant", None) else default)
        config = CONFIGS[name]
        topology, params, label = config.topology, config.params, name
    if opts.profile:
        params = profile(opts.profile)
    return Target(topology, params, label, getattr(opts, "mutant", None))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vmspec",
        description="Executable reference specification of memory-preserving VM maintenance, with its checkers.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


class Terminated(BaseException):
    """SIGTERM arrived: unwind (atomic writes drop their temporary files) and exit 143."""


def _terminate(signum: int, frame: object) -> None:
    raise Terminated


@contextlib.contextmanager
def _signals():
    """SIGTERM raises `Terminated` while a command runs (in the main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def check_outputs(opts: argparse.Namespace) -> None:
    """Every output place, before the work starts: `output` and `graph` are files, `out` a directory."""
    for dest, flag in (("output", "-o/--output"), ("graph", "--graph")):
        if getattr(opts, dest, None) is not None:
            check_output_file(Path(getattr(opts, dest)), flag)
    if getattr(opts, "out", None) is not None:
        check_output_dir(Path(opts.out), "--out")


def _error(text: str) -> None:
    err_console.print("[bold red]error:[/] " + escape(text), markup=True, soft_wrap=True)


def main(argv: Sequence[str] | None = None) -> int:
    try:
        with _signals():
            return _run(argv)
    except KeyboardInterrupt:
        _error("interrupted (Ctrl-C); nothing half-written is left behind")
        return 130
    except Terminated:
        _error("terminated (SIGTERM); nothing half-written is left behind")
        return 143


def _run(argv: Sequence[str] | None) -> int:
    opts = build_parser().parse_args(argv)
    max_input = getattr(opts, "max_input_bytes", None)
    previous = limits.configure(document_bytes=max_input, stream_bytes=max_input,
                                line_bytes=getattr(opts, "max_line_bytes", None))
    try:
        check_outputs(opts)
        return int(opts.func(opts))
    except (InputError, InvalidTopology, InvalidParams) as exc:
        _error(str(exc))
        return 2
    except BrokenPipeError:
        return 0
    finally:
        limits.restore(previous)


def entry() -> None:
    """The console script (`vmspec.properties.cli.launch.entry`, which quiets signals first)."""
    from vmspec.properties.cli.launch import entry as launch

    launch()


__all__ = ["DEFAULT_CONFIG", "MAX_EXAMPLES", "MAX_STATES", "MAX_STEPS", "count", "add_limit_arguments", "add_target_arguments", "check_outputs", "entry", "main",
           "target_from"]
