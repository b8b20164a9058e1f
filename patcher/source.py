"""Reading files as text, and the errors that name a file and line.

Everything patcher reads goes through ``decode`` so that a BOM, CRLF line ends,
a missing final newline or bad bytes are handled in one place.
"""

from __future__ import annotations

from dataclasses import dataclass


class PatcherError(Exception):
    """A user-facing error: file, line and a hint, never a traceback."""

    def __init__(self, message: str, file: str | None = None, line: int | None = None,
                 column: int | None = None, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.column = column
        self.hint = hint

    def __str__(self) -> str:
        where = self.file or ""
        if self.file and self.line:
            where += f":{self.line}"
            if self.column:
                where += f":{self.column}"
        text = f"{where}: {self.message}" if where else self.message
        return f"{text}\n  hint: {self.hint}" if self.hint else text


@dataclass(frozen=True)
class Diagnostic:
    """A problem reading a file that does not stop the analysis of others."""

    file: str
    message: str
    line: int | None = None
    column: int | None = None
    hint: str = ""
    level: str = "error"  # error: the file was not analysed; warning and note: it was

    def __str__(self) -> str:
        return f"{self.level}: " + str(PatcherError(self.message, self.file, self.line, self.column, self.hint))

    @classmethod
    def of(cls, exc: PatcherError, file: str, level: str = "error") -> "Diagnostic":
        return cls(exc.file or file, exc.message, exc.line, exc.column, exc.hint, level)


def decode(data: bytes, path: str) -> str:
    """Bytes to text; the BOM stays in the text so that writing it back keeps it."""
    if b"\x00" in data[:8192]:
        raise PatcherError("binary content (NUL bytes) in a text file", path,
                           hint="remove the file or add it to .gitignore")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise PatcherError(f"not valid UTF-8 (byte 0x{data[exc.start]:02x})", path, line,
                           hint="re-save the file as UTF-8") from None


def line_ending(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"
