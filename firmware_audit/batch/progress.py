"""What the batch shows while it runs: a rich progress bar on a terminal, else one line per image."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Self

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from firmware_audit.render.escape import escape_controls, escape_markup

if TYPE_CHECKING:
    from types import TracebackType

    from firmware_audit.batch.journal import Row


class BatchProgress:
    """Progress of one batch run; use as a context manager around the work."""

    def __init__(self, total: int, *, skipped: int = 0, console: Console | None = None) -> None:
        """Show progress over `total` images, `skipped` of which were already done by an earlier run."""
        self.console = console or Console(stderr=True)
        self.total = total
        self.done = skipped
        self._bar: Progress | None = None
        self._task = None
        if self.console.is_terminal:
            self._bar = Progress(
                TextColumn("[bold]auditing"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TextColumn("{task.description}"),
                console=self.console,
            )
            self._task = self._bar.add_task("", total=total, completed=skipped)
        elif skipped:
            self._line(f"resuming: {skipped} of {total} images already done")

    def __enter__(self) -> Self:
        """Start drawing."""
        if self._bar is not None:
            self._bar.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        """Stop drawing."""
        if self._bar is not None:
            self._bar.stop()

    def advance(self, row: Row) -> None:
        """Count one finished image and say how it ended."""
        self.done += 1
        what = row.outcome.value if row.outcome is not None else row.status
        name = f"{row.submission}/{row.image or '-'}"
        if self._bar is not None and self._task is not None:
            self._bar.update(self._task, advance=1, description=escape_markup(f"{name}: {what}"))
        else:
            detail = f": {row.error}" if row.error else ""
            line = f"[{self.done}/{self.total}] {name}: {what} ({row.seconds:.1f} s){detail}"
            self._line(escape_controls(line))

    def _line(self, text: str) -> None:
        # Plain text straight to the stream: rich would wrap and style it for a log file.
        stream = self.console.file if self.console.file is not None else sys.stderr
        stream.write(text + "\n")
        stream.flush()
