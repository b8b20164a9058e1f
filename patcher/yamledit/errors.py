"""The one error type of the YAML editor."""

from __future__ import annotations


class YamlEditError(Exception):
    """An edit that cannot be applied safely; says what, why and where (1-based)."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None):
        self.message = message
        self.line = line
        self.column = column
        where = f" (line {line}, column {column})" if line is not None else ""
        super().__init__(message + where)


def at_mark(message: str, mark) -> YamlEditError:
    """An error placed at a parser mark (0-based line/column)."""
    if mark is None:
        return YamlEditError(message)
    return YamlEditError(message, mark.line + 1, mark.column + 1)
