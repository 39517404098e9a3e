"""The charts: servers by country and role, coverage strips, a comparison's overlap."""

import matplotlib as mpl
import matplotlib.pyplot as plt
import pytest
from corpus_audits import HIKVISION, REBRANDED, XIONGMAI, audited, empty_report
from matplotlib.figure import Figure

from firmware_audit.model import EndpointRole
from firmware_audit.notebook import compare, endpoint_counts, plot_comparison, plot_coverage, plot_endpoints
from firmware_audit.notebook.plots import EXPLAINED
from firmware_audit.render.html import ROLE_COLOURS

mpl.use("Agg")  # before any figure: no display, and charts are checked as drawn objects


def _axes():
    return Figure().subplots()


def _colour(patch):
    return mpl.colors.to_hex(patch.get_facecolor())


def test_endpoint_counts_agree_with_the_verdict():
    _, report = audited(XIONGMAI)
    counts = endpoint_counts(report)
    assert {cc: sum(roles.values()) for cc, roles in counts.items()} == report.verdict.countries
    assert counts["CN"][EndpointRole.CLOUD] == 8
    assert counts["US"] == {EndpointRole.DNS: 1}
    # Several reports: a server named by both counts once, reserved addresses and references never.
    both = endpoint_counts([report, audited(HIKVISION)[1]])
    assert sum(both["CN"].values()) == 12 + 3  # the Hikvision image: ezvizru, ys7, hik-connect
    # A public server of no known country is counted as "unknown".
    first = next(f for f in report.findings if f.endpoint and f.endpoint.country and not f.endpoint.reserved)
    nowhere = first.model_copy(update={"endpoint": first.endpoint.model_copy(update={"country": None})})
    assert endpoint_counts(report.model_copy(update={"findings": (nowhere,)})) == {
        "unknown": {first.endpoint.role: 1}
    }


def test_endpoints_chart_stacks_roles_per_country():
    _, report = audited(XIONGMAI)
    ax = plot_endpoints(report, ax=_axes())
    assert [t.get_text() for t in ax.get_yticklabels()] == ["US", "CN"]  # most servers on top
    widths: dict[str, float] = {}
    for patch in ax.patches:
        role = next(r for r, c in ROLE_COLOURS.items() if c == _colour(patch))
        widths[role.value] = widths.get(role.value, 0) + patch.get_width()
    assert widths == {"cloud": 8, "update": 2, "dns": 2, "push": 1}
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["cloud", "update", "dns", "push"]


def test_endpoints_chart_of_nothing_says_so():
    ax = plot_endpoints(empty_report(), ax=_axes())
    assert not ax.patches
    assert [t.get_text() for t in ax.texts] == ["no server endpoint"]


def test_coverage_strips_put_regions_where_they_are():
    tree, report = audited(HIKVISION)
    ax = plot_coverage(report, ax=_axes(), tree=tree)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[0] == "whole image (12,420 B, 96.0% explained)"
    # The payloads with unexplained bytes come right after the whole image, then every container.
    assert labels[1] == "/_cfgUpgClass (payload, 46 B, 0%)"
    assert labels[2] == "/hImage!/payload!/payload (payload, 532 B, 0%)"
    assert len(labels) == 1 + 2 + len(report.containers)
    red = [p for p in ax.patches if _colour(p) != EXPLAINED]
    assert len(red) == 2 * len(report.coverage.unexplained)  # in the whole-image strip and in its own
    whole = sorted((p for p in red if p.get_y() < 0.5), key=lambda p: p.get_x())
    assert whole[0].get_x() == pytest.approx(report.coverage.explained_ratio)
    assert sum(p.get_width() for p in whole) == pytest.approx(1 - report.coverage.explained_ratio, abs=1e-3)
    assert "96.0%" in ax.get_title()


def test_coverage_rows_are_capped_and_the_rest_counted():
    _, report = audited(XIONGMAI)
    ax = plot_coverage(report, ax=_axes(), rows=4)
    assert len(ax.get_yticklabels()) == 4
    assert f"({len(report.containers) - 3} more containers not shown)" in ax.get_title()


def test_comparison_chart_and_a_figure_of_its_own():
    result = compare(audited(XIONGMAI), audited(REBRANDED))
    ax = plot_comparison(result)  # no axes given: a new pyplot figure
    try:
        assert [t.get_text() for t in ax.get_yticklabels()] == ["files", "endpoints", "sdks", "traces"]
        assert len(ax.patches) == 3 * 4
        endpoints_shared = ax.patches[1]
        assert endpoints_shared.get_width() == result.count("endpoints", "both")
        legend = [t.get_text() for t in ax.get_legend().get_texts()]
        assert legend == ["shared", "only A (01-xm-hi3516ev300-general.bin)", "only B (12-rebranded.bin)"]
    finally:
        plt.close(ax.figure)
