"""The end of a batch: one line per submission, as a table on the terminal and as an HTML page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.table import Table

from firmware_audit.policy import worst
from firmware_audit.render._html import esc, outcome_badge, page
from firmware_audit.render.escape import escape_markup

if TYPE_CHECKING:
    from collections.abc import Iterable

    from firmware_audit.batch.journal import Row
    from firmware_audit.model import Declared, Outcome

TOP_REASONS = 3
_REASON_CHARS = 300


@dataclass(frozen=True, slots=True)
class SubmissionResult:
    """What the batch says about one submission: the strictest outcome over its images, and why."""

    name: str
    declared: Declared | None
    rows: tuple[Row, ...]

    @property
    def outcome(self) -> Outcome | None:
        """The strictest image outcome (None when no policy was applied and nothing failed)."""
        outcomes = [r.outcome for r in self.rows if r.outcome is not None]
        return worst(outcomes) if outcomes else None

    @property
    def errors(self) -> int:
        """Images whose audit failed (crash, hang, out of memory) or could not start."""
        return sum(r.status == "error" for r in self.rows)

    def top_reasons(self, n: int = TOP_REASONS) -> list[str]:
        """The first reasons of the images that gave the submission its outcome."""
        deciding = [r for r in self.rows if r.outcome == self.outcome] or list(self.rows)
        reasons: list[str] = []
        for row in deciding:
            prefix = f"{row.image}: " if len(self.rows) > 1 and row.image else ""
            reasons.extend(prefix + reason for reason in (row.reasons or ((row.error,) if row.error else ())))
        return reasons[:n]


def by_submission(rows: Iterable[Row]) -> list[SubmissionResult]:
    """Group result rows by submission, sorted by name."""
    grouped: dict[str, list[Row]] = {}
    for row in rows:
        grouped.setdefault(row.submission, []).append(row)
    return [
        SubmissionResult(name, next((r.declared for r in found if r.declared), None), tuple(found))
        for name, found in sorted(grouped.items())
    ]


def table(results: list[SubmissionResult]) -> Table:
    """The summary as a rich table."""
    out = Table(title="Batch summary", show_lines=False)
    for column in ("submission", "declared", "images", "decision", "top reason"):
        out.add_column(column, overflow="fold")
    for result in results:
        d = result.declared
        declared = f"{d.vendor} ({d.country})" if d else "-"
        outcome = (
            result.outcome.value if result.outcome is not None else ("error" if result.errors else "audited")
        )
        reasons = result.top_reasons(1)
        out.add_row(
            escape_markup(result.name),
            escape_markup(declared),
            f"{len(result.rows)}" + (f" ({result.errors} failed)" if result.errors else ""),
            outcome,
            escape_markup(_clip(reasons[0], 100)) if reasons else "",
        )
    return out


def html(results: list[SubmissionResult], *, title: str) -> str:
    """The summary as a self-contained HTML page, with links to each image's HTML report."""
    counts: dict[str, int] = {}
    for result in results:
        key = result.outcome.value if result.outcome is not None else "audited"
        counts[key] = counts.get(key, 0) + 1
    totals = ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))
    rows = "".join(_html_row(r) for r in results)
    body = (
        f"<h1>{esc(title)}</h1><p>{len(results)} submissions: {esc(totals or 'none')}</p>"
        "<table><tr><th>submission</th><th>declared</th><th>decision</th><th>top reasons</th>"
        f"<th>images</th></tr>{rows}</table>"
    )
    return page(title, body)


def _html_row(result: SubmissionResult) -> str:
    d = result.declared
    declared = f"{esc(d.vendor)} ({esc(d.country)}), model {esc(d.model)}" if d else "-"
    reasons = "".join(f"<li>{esc(_clip(r))}</li>" for r in result.top_reasons())
    images = "".join(_image_link(row) for row in result.rows)
    outcome = result.outcome if result.outcome is not None else ("error" if result.errors else None)
    return (
        f'<tr><td class="mono">{esc(result.name)}</td><td>{declared}</td><td>{outcome_badge(outcome)}</td>'
        f"<td><ul>{reasons}</ul></td><td>{images}</td></tr>"
    )


def _image_link(row: Row) -> str:
    label = esc(row.image or "-")
    target = row.outputs.get("html")
    status = "" if row.status == "audited" else f' <span class="badge error">{esc(row.status)}</span>'
    if target:
        return f'<div><a href="{esc(target)}">{label}</a>{status}</div>'
    return f"<div>{label}{status}</div>"


def _clip(text: str, limit: int = _REASON_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
