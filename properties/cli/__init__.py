"""The `vmspec` command line: one module a command group, sharing the target options and the
terminal output.  The console script is `launch.entry`, which handles Ctrl-C and SIGTERM before
it imports the rest; `main.main(argv)` runs a command in-process.  This package imports
nothing itself, so that the console script starts quickly."""
