"""matplotlib charts of reports: servers by country and role, coverage strips, a comparison's overlap.

Each function draws on the `Axes` it is given, or on a new figure, and returns the `Axes`, so charts
compose (`fig, (left, right) = plt.subplots(1, 2)`) and a notebook shows them inline.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

import matplotlib as mpl
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator, PercentFormatter

from firmware_audit.model import EndpointRole, Report
from firmware_audit.render.html import ROLE_COLOURS

if TYPE_CHECKING:
    from collections.abc import Iterable

    from matplotlib.axes import Axes

    from firmware_audit.extract import FileTree
    from firmware_audit.model import UnexplainedRegion
    from firmware_audit.notebook.compare import Comparison

EXPLAINED = "#4ac26b"
PRESENCE_COLOURS = {"both": "#0969da", "a": "#8c959f", "b": "#bf8700"}


def _axes(ax: Axes | None, width: float, height: float) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt  # noqa: PLC0415  (pyplot picks a backend on import: only when drawing)

    _, new = plt.subplots(figsize=(width, height), layout="constrained")
    return new


def endpoint_counts(reports: Report | Iterable[Report]) -> dict[str, dict[EndpointRole, int]]:
    """Distinct servers per country and role, as `verdict.countries` counts them.

    References and reserved addresses are left out; a public server of unknown country is `unknown`.
    A host named by several images (or files) counts once.
    """
    seen: dict[tuple[str, EndpointRole], set[str]] = defaultdict(set)
    for report in [reports] if isinstance(reports, Report) else reports:
        for f in report.findings:
            e = f.endpoint
            if e is None or e.role is EndpointRole.REFERENCE or e.reserved:
                continue
            seen[e.country or "unknown", e.role].add(e.host.lower())
    counts: dict[str, dict[EndpointRole, int]] = defaultdict(dict)
    for (country, role), hosts in seen.items():
        counts[country][role] = len(hosts)
    return dict(counts)


def plot_endpoints(reports: Report | Iterable[Report], ax: Axes | None = None) -> Axes:
    """Servers by country (one bar each) and role (stacked), most servers first."""
    counts = endpoint_counts(reports)
    rows = sorted(counts.items(), key=lambda kv: (sum(kv[1].values()), kv[0]))
    ax = _axes(ax, 7, 0.5 + 0.45 * max(1, len(rows)))
    labels = [country for country, _ in rows]
    left = [0] * len(rows)
    for role in EndpointRole:
        widths = [roles.get(role, 0) for _, roles in rows]
        if any(widths):
            ax.barh(labels, widths, left=left, color=ROLE_COLOURS[role], label=role.value)
            left = [x + w for x, w in zip(left, widths, strict=True)]
    if rows:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small")
    else:
        ax.text(0.5, 0.5, "no server endpoint", ha="center", va="center", transform=ax.transAxes)
    ax.set_xlabel("distinct servers")
    ax.set_title("Endpoints by country and role")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    return ax


def plot_coverage(
    report: Report, ax: Axes | None = None, *, tree: FileTree | None = None, rows: int = 12
) -> Axes:
    """The image's coverage as strips: explained bytes green, unexplained regions red.

    The first strip is the whole image: its explained share, then each unexplained region by the share
    of the image's own bytes it stands for (`image_bytes`; a region inside a decompressed payload is
    charged in proportion to its compression), largest first. Below it, one strip per container or
    payload (those with unexplained bytes first, then the rest in tree order; `rows` strips at most),
    each over its own length with every region at its offset. The darker a region, the higher its
    entropy (near 8 bits/byte: compressed or encrypted). A payload that is no container has its size
    from `tree` when given, else up to its last unexplained byte.
    """
    coverage = report.coverage
    sizes = {c.path: (c.size, c.format) for c in report.containers}
    sizes.setdefault("", (report.image.size, "image"))
    regions: dict[str, list[UnexplainedRegion]] = defaultdict(list)
    for r in coverage.unexplained:
        regions[r.location.path].append(r)
    for path, found in regions.items():
        if path not in sizes:
            node = tree.nodes.get(path) if tree is not None else None
            end = max((r.location.offset or 0) + r.length for r in found)
            sizes[path] = (node.size if node is not None else end, "payload")
    order = [*(p for p in sizes if p in regions), *(p for p in sizes if p not in regions)]
    shown = order[: max(0, rows - 1)]
    ax = _axes(ax, 11, 1.0 + 0.4 * (len(shown) + 1))
    reds = mpl.colormaps["Reds"]

    def shade(region: UnexplainedRegion) -> tuple[float, float, float, float]:
        return reds(0.35 + 0.65 * region.entropy / 8)

    total = coverage.bytes_total
    ax.barh(0, coverage.explained_ratio, color=EXPLAINED, height=0.7)
    left = coverage.explained_ratio
    for r in sorted(coverage.unexplained, key=lambda r: -r.image_bytes):
        width = r.image_bytes / total if total else 0.0
        ax.barh(0, width, left=left, color=shade(r), height=0.7)
        left += width
    labels = [f"whole image ({total:,} B, {coverage.explained_ratio:.1%} explained)"]
    for y, path in enumerate(shown, start=1):
        size, fmt = sizes[path]
        ax.barh(y, 1.0, color=EXPLAINED, height=0.7)
        for r in regions.get(path, []):
            ax.barh(
                y,
                max(r.length / size if size else 1.0, 0.004),  # a few bytes stay visible
                left=(r.location.offset or 0) / size if size else 0.0,
                height=0.7,
                color=shade(r),
            )
        missing = sum(r.length for r in regions.get(path, []))
        name = report.image.name if path == "" else _short(path)
        labels.append(f"{name} ({fmt}, {size:,} B, {1 - missing / size if size else 0:.0%})")
    ax.legend(
        handles=[
            Patch(color=EXPLAINED, label="explained"),
            Patch(color=reds(0.35 + 0.65 * 0.5), label="unexplained, 4 bits/byte"),
            Patch(color=reds(1.0), label="unexplained, 8 bits/byte"),
        ],
        loc="upper left",
        bbox_to_anchor=(1.01, 1),
        fontsize="small",
    )
    ax.set_yticks(range(len(labels)), labels, fontsize="small")
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel("share of the image (first strip); offset in each container (the others)")
    hidden = len(order) - len(shown)
    ax.set_title(
        f"Coverage: {coverage.explained_ratio:.1%} of the image explained"
        + (f" ({hidden} more containers not shown)" if hidden else "")
    )
    return ax


def _short(path: str, width: int = 48) -> str:
    """A long virtual path cut from the left, where the shared prefixes are."""
    return path if len(path) <= width else "…" + path[-(width - 1) :]


def plot_comparison(comparison: Comparison, ax: Axes | None = None) -> Axes:
    """Per section (files, endpoints, SDK families, traces): how many are shared, only in A, only in B."""
    from firmware_audit.notebook.compare import SECTIONS  # noqa: PLC0415  (compare imports the audit)

    ax = _axes(ax, 7, 2.6)
    labels = list(SECTIONS)
    left = [0] * len(labels)
    names = {"both": "shared", "a": f"only A ({comparison.a.name})", "b": f"only B ({comparison.b.name})"}
    for presence in ("both", "a", "b"):
        widths = [comparison.count(s, presence) for s in SECTIONS]
        ax.barh(labels, widths, left=left, color=PRESENCE_COLOURS[presence], label=names[presence])
        left = [x + w for x, w in zip(left, widths, strict=True)]
    ax.invert_yaxis()
    ax.legend(loc="lower right", fontsize="small")
    ax.set_xlabel("items")
    ax.set_title(f"{comparison.a.name} vs {comparison.b.name}")
    return ax
