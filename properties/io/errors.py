"""The one error type for bad input: it names the file, line, field and what was expected."""

from __future__ import annotations


class InputError(Exception):
    """Input that vmspec cannot use.  Commands print it and exit with status 2."""

    def __init__(self, path: str, line: int | None, field: str | None, reason: str) -> None:
        self.path, self.line, self.field, self.reason = path, line, field, reason
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.path + (f":{self.line}" if self.line is not None else "")
        what = f" {self.field}:" if self.field else ""
        return f"{where}:{what} {self.reason}"
