"""What Jupyter shows for a report or a comparison: compact, scoped, nothing from the firmware as markup."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hostile import PAYLOADS, SCRIPT, SVG, hostile_report

from firmware_audit.audit import audit
from firmware_audit.model import Decision, Outcome, Severity
from firmware_audit.notebook import compare
from firmware_audit.render import notebook

CORPUS = Path(__file__).resolve().parents[2] / "corpus"
# The markup the cells use; anything else would have come from the firmware.
ALLOWED_TAGS = {"div", "style", "strong", "span", "dl", "dt", "dd", "ul", "li", "table", "tr", "th", "td"}
ALLOWED_TAGS |= {"p", "code", "br", "h4"}


class _Markup(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.attrs, self.text = set(), set(), []

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.attrs.update(name for name, _ in attrs)

    def handle_data(self, data):
        self.text.append(data)


def _assert_inert(fragment, shown=PAYLOADS):
    parsed = _Markup()
    parsed.feed(fragment)
    assert parsed.tags <= ALLOWED_TAGS, parsed.tags - ALLOWED_TAGS
    assert parsed.attrs <= {"class", "style", "title"}, parsed.attrs
    text = "".join(parsed.text)
    for payload in shown:
        assert payload in text  # shown to the reader as text, exactly


@pytest.fixture
def hostile(tmp_path):
    return hostile_report(tmp_path)


def test_a_hostile_report_is_text_not_markup(hostile):
    fragment = hostile._repr_html_()
    _assert_inert(fragment)
    assert "&lt;script&gt;" in fragment
    assert "&lt;svg onload=alert(1)&gt;" in fragment


def test_a_hostile_comparison_is_text_not_markup(hostile):
    fragment = compare(hostile, hostile)._repr_html_()
    # Hosts are compared in lower case; the image name and the finding's vendor are shown as they are.
    _assert_inert(fragment, shown=(SVG, SCRIPT.lower()))
    assert "data-pwned" in fragment  # the payload did reach the cell, as text


def test_the_style_only_touches_its_own_cell(hostile):
    fragment = hostile._repr_html_()
    style = fragment.split("<style>")[1].split("</style>")[0]
    selectors = [s.strip() for rule in re.findall(r"([^{}]+)\{", style) for s in rule.split(",")]
    assert selectors
    assert all(s.startswith(f".{notebook.SCOPE} ") for s in selectors), selectors
    assert "url(" not in style
    assert "@import" not in style
    assert fragment.startswith(f'<div class="{notebook.SCOPE}">')


def test_a_corpus_report_in_a_few_lines():
    report = audit(CORPUS / "images" / "02-hik-digicap.dav", policy=CORPUS / "policy-example.toml")
    fragment = report._repr_html_()
    assert fragment == notebook.report_html(report)
    assert "<strong>02-hik-digicap.dav</strong>" in fragment
    assert '<span class="badge reject">reject</span>' in fragment
    assert "banned vendor Hikvision" in fragment
    assert "HiSilicon Hi3516CV500" in fragment
    assert "96.0% (2 unexplained regions)" in fragment
    rows = fragment.split("<th>where</th></tr>")[1].count("<tr>")
    assert rows == min(notebook.TOP_FINDINGS, len(report.findings))
    assert f"and {len(report.findings) - notebook.TOP_FINDINGS} more" in fragment
    # The most severe come first, and they are the most severe of the report.
    shown = re.findall(r'class="sev sev-(\w+)"', fragment.split("<th>where</th></tr>")[1])
    ranks = [Severity(s).rank for s in shown]
    assert ranks == sorted(ranks, reverse=True)
    assert ranks[0] == max(f.severity.rank for f in report.findings)


def test_long_reasons_are_clipped_in_the_cell(hostile):
    long = "endpoints in CN: " + "x" * 1000
    report = hostile.model_copy(update={"decision": Decision(outcome=Outcome.REJECT, reasons=(long,))})
    fragment = report._repr_html_()
    assert long[: notebook.REASON_CHARS - 1] + "…" in fragment
    assert long[: notebook.REASON_CHARS] not in fragment
