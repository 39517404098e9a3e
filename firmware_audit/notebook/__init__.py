"""Investigating firmware in Jupyter: DataFrames, charts and side-by-side comparisons.

Needs the optional extra: `pip install 'firmware_audit[notebook]'` (pandas, matplotlib). A report
shows itself in a notebook without it (`Report._repr_html_`); `Report.to_dataframe()` and everything
here need it.

    from firmware_audit import notebook as nb
    report.to_dataframe()                       # one row per finding (nb.findings_frame)
    nb.entries_frame(tree, tree.ls("/"))        # a listing of the tree
    nb.plot_endpoints(report); nb.plot_coverage(report, tree=tree)
    cmp = nb.compare("a.bin", "b.bin"); cmp; cmp.frame("files"); nb.plot_comparison(cmp)
    rows = nb.batch_frame("submissions-audit"); nb.batch_report(rows.iloc[0])
"""

from importlib.util import find_spec

if find_spec("pandas") is None or find_spec("matplotlib") is None:
    raise ImportError(
        "firmware_audit.notebook needs pandas and matplotlib: pip install 'firmware_audit[notebook]'"
    )

from firmware_audit.notebook.compare import Comparison, FileMatch, Match, Side, compare
from firmware_audit.notebook.frames import (
    batch_frame,
    batch_report,
    entries_frame,
    evidence_frame,
    findings_frame,
)
from firmware_audit.notebook.plots import endpoint_counts, plot_comparison, plot_coverage, plot_endpoints

__all__ = [
    "Comparison",
    "FileMatch",
    "Match",
    "Side",
    "batch_frame",
    "batch_report",
    "compare",
    "endpoint_counts",
    "entries_frame",
    "evidence_frame",
    "findings_frame",
    "plot_comparison",
    "plot_coverage",
    "plot_endpoints",
]
