"""A report's coverage summarised: runs of regions of one kind, counted, and nothing dropped."""

from builders import gz

from firmware_audit import audit
from firmware_audit.extract.coverage import pattern, summarise
from firmware_audit.model import Coverage, IssueKind, Location, UnexplainedRegion
from firmware_audit.render.html import render as render_html
from firmware_audit.render.text import render as render_text


def _region(path: str, offset: int, length: int, entropy: float) -> UnexplainedRegion:
    return UnexplainedRegion(
        location=Location(path=path, offset=offset), length=length, image_bytes=length, entropy=entropy
    )


def _coverage(regions: list[UnexplainedRegion]) -> Coverage:
    total = sum(r.length for r in regions)
    return Coverage(bytes_total=total, bytes_explained=0, explained_ratio=0.0, unexplained=tuple(regions))


def test_a_carve_offset_is_what_varies_in_a_run() -> None:
    assert pattern("/0x0001f000.gzip!/payload") == "/0x*.gzip!/payload"
    assert pattern("/mtd1-kernel!/0x00000040.xz!/payload") == "/mtd1-kernel!/0x*.xz!/payload"
    assert pattern("/fw/0x10.bin!/payload") == "/fw/0x10.bin!/payload"  # a member named so, not carved


def test_few_regions_are_listed_one_by_one() -> None:
    coverage = _coverage([_region(f"/{i:#010x}.gzip!/payload", 0, 9, 2.5) for i in range(5)])
    assert summarise(coverage, limit=5) == (coverage, ())


def test_runs_of_one_kind_are_summarised_with_their_counts() -> None:
    texts = [_region(f"/{i * 32:#010x}.gzip!/payload", 0, 10, 3.0) for i in range(6)]
    gaps = [_region("", i * 32 + 30, 2, 1.0) for i in range(6)]
    lone = _region("/0x00001000.xz!/payload", 0, 100, 7.5)
    summary, issues = summarise(_coverage([*texts, *gaps, lone]), limit=5)
    assert summary.unexplained == (lone,)
    assert [(r.pattern, r.count, r.length, r.image_bytes) for r in summary.runs] == [
        ("", 6, 12, 12),
        ("/0x*.gzip!/payload", 6, 60, 60),
    ]
    assert summary.runs[1].first == texts[0].location
    assert summary.runs[1].last == texts[-1].location
    assert summary.runs[1].entropy == 3.0
    assert [(i.kind, i.message) for i in issues] == [
        (
            IssueKind.SUMMARISED,
            (
                "13 unexplained regions, more than the 5 a report lists one by one: 12 of them are "
                "summarised as 2 runs of regions of one kind (coverage runs, each with its count)"
            ),
        )
    ]


def test_too_many_kinds_keep_the_largest_and_count_the_rest() -> None:
    regions = [_region(f"/member{i:03d}!/payload", 0, 10 + i, 4.0) for i in range(20)]
    summary, issues = summarise(_coverage(regions), limit=5)
    assert len(summary.unexplained) + len(summary.runs) == 5
    assert {r.location.path for r in summary.unexplained} == {
        f"/member{i:03d}!/payload" for i in (16, 17, 18, 19)
    }
    (rest,) = summary.runs
    assert (rest.pattern, rest.count, rest.length) == ("*", 16, sum(10 + i for i in range(16)))
    assert len(issues) == 1


def test_an_audit_of_thousands_of_regions_reports_runs_and_says_so() -> None:
    # Members of a few bytes of text with a byte of junk after each: every member is carved on its
    # own, and every text and every junk byte is an unexplained region.
    image = b"".join(gz(b"member %d\n" % i) + b"A" for i in range(1_100))
    report = audit(image)
    coverage = report.coverage
    assert len(coverage.unexplained) + len(coverage.runs) <= 1000
    assert sum(r.count for r in coverage.runs) + len(coverage.unexplained) == 2_200
    assert {r.pattern for r in coverage.runs} == {"", "/0x*.gzip!/payload"}
    assert sum(r.image_bytes for r in coverage.runs) + sum(
        r.image_bytes for r in coverage.unexplained
    ) == len(image)
    assert [i.kind for i in report.issues] == [IssueKind.SUMMARISED]
    text = render_text(report)
    assert "Runs of unexplained regions of one kind (2, largest first):" in text
    assert "/0x*.gzip!/payload  1,100 regions" in text
    assert "<h3>Runs of unexplained regions of one kind (2)</h3>" in render_html(report)
