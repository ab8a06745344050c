"""The `vmspec` command line: one module a command group, sharing the target options and the
terminal output."""

from vmspec.properties.cli.main import entry, main

__all__ = ["entry", "main"]
