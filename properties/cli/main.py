"""The `vmspec` command line: every command exits 0 when all properties hold, 1 when one
fails and 2 on bad input, and offers --json for machine-readable output."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path

from vmspec.model import CONFIGS, PROFILES, InvalidParams, InvalidTopology, profile
from vmspec.properties.catalogue.mutants import MUTANT_BY_NAME
from vmspec.properties.cli.output import err_console
from vmspec.properties.evidence.verdict import Target
from vmspec.properties.io.errors import InputError

# Each module registers its subcommands with `register(subparsers)`.
COMMAND_MODULES = ("vmspec.properties.cli.core", "vmspec.properties.cli.events", "vmspec.properties.cli.report", "vmspec.properties.cli.trace", "vmspec.properties.cli.explore", "vmspec.properties.cli.fuzz", "vmspec.properties.cli.prove", "vmspec.properties.cli.serve")

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


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    opts = parser.parse_args(argv)
    try:
        return int(opts.func(opts))
    except (InputError, InvalidTopology, InvalidParams) as exc:
        err_console.print(f"[bold red]error:[/] {exc}", markup=True, soft_wrap=True)
        return 2
    except BrokenPipeError:
        return 0


def entry() -> None:
    sys.exit(main())


__all__ = ["add_target_arguments", "target_from", "main", "entry", "Path"]
