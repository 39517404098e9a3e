"""The HTML report: self-contained, and nothing from the firmware becomes markup, in a parser or a browser."""

import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hostile import PAYLOADS, hostile_report

from firmware_audit.audit import audit
from firmware_audit.render import html

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "corpus"
# Markup our pages use; anything else would have come from the firmware.
ALLOWED_TAGS = {
    "html",
    "head",
    "meta",
    "title",
    "style",
    "body",
    "h1",
    "h2",
    "p",
    "dl",
    "dt",
    "dd",
    "div",
    "span",
    "strong",
    "ul",
    "li",
    "a",
    "table",
    "tbody",
    "tr",
    "th",
    "td",
    "pre",
    "details",
    "summary",
    "svg",
    "rect",
    "text",
}


class _Markup(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.attrs, self.links, self.text = set(), set(), [], []

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.attrs.update(name for name, _ in attrs)
        self.links += [value for name, value in attrs if name in {"href", "src", "xlink:href", "action"}]

    def handle_data(self, data):
        self.text.append(data)


def _markup(document):
    parser = _Markup()
    parser.feed(document)
    return parser


def _assert_inert(document):
    parsed = _markup(document)
    assert parsed.tags <= ALLOWED_TAGS, parsed.tags - ALLOWED_TAGS
    assert not any(a.startswith("on") or a == "srcdoc" for a in parsed.attrs), parsed.attrs
    assert "data-pwned" not in parsed.attrs
    text = "".join(parsed.text)
    for payload in PAYLOADS:  # shown to the reader as text, exactly
        assert payload in text


@pytest.fixture
def hostile(tmp_path):
    return hostile_report(tmp_path)


def test_payloads_are_text_not_markup(hostile):
    document = html.render(hostile)
    _assert_inert(document)
    # The payloads reached every part of the page: title, labels, paths, evidence, reasons, declared.
    assert document.count("&lt;script&gt;") >= 6
    assert "&lt;svg onload=alert(1)&gt;" in document


def test_self_contained_with_a_policy_that_forbids_scripts(hostile):
    document = html.render(hostile)
    assert 'http-equiv="Content-Security-Policy" content="default-src \'none\'' in document
    parsed = _markup(document)
    assert parsed.links
    assert all(link.startswith("#") for link in parsed.links)  # in-page anchors only: no asset, no URL
    style = document.split("<style>")[1].split("</style>")[0]
    assert "url(" not in style
    assert "@import" not in style


def test_sections_of_a_corpus_report():
    report = audit(CORPUS / "images" / "01-xm-hi3516ev300-general.bin", policy=CORPUS / "policy-example.toml")
    document = html.render(report)
    _markup(document)
    assert "Endpoints by country and role" in document
    assert "<svg" in document  # the chart is inline SVG
    assert "<rect" in document
    assert "Containers and coverage" in document
    assert "/user-x.cramfs.img!/payload" in document
    assert 'class="badge reject"' in document
    for finding in report.findings:
        assert f'id="f-{finding.id}"' in document  # every finding is on the page, with its evidence
    cited = [r for r in report.decision.reasons if "[findings" in r]
    assert cited
    assert '<a href="#f-' in document  # reasons link to the findings they cite


def _chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    pytest.skip("Chromium is not installed (Debian: apt-get install chromium); .ci/run installs it")
    return None


def test_in_headless_chromium_nothing_from_the_firmware_runs(hostile, tmp_path):
    browser = _chromium()
    page = tmp_path / "report.html"
    page.write_text(html.render(hostile), encoding="utf-8")
    # --dump-dom prints the DOM after the page loaded: a payload that ran or became an element shows up.
    proc = subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--virtual-time-budget=2000",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    dom = proc.stdout
    assert "<body" in dom
    _assert_inert(dom)


def test_what_was_set_aside_is_listed_by_reason_and_escaped():
    report = audit(CORPUS / "images" / "01-xm-hi3516ev300-general.bin")
    assert report.coverage.rejected  # the corpus image has strings shaped like servers that are not
    document = html.render(report)
    _markup(document)
    assert f"<h2>Set aside ({sum(report.coverage.rejected.values()):,})</h2>" in document
    for reason in report.coverage.rejected:
        assert f"<td>{reason}</td>" in document
    odd = report.coverage.model_copy(update={"rejected": {"endpoint: a file name (<b>x</b>)": 3}})
    assert "a file name (&lt;b&gt;x&lt;/b&gt;)" in html.render(report.model_copy(update={"coverage": odd}))


def test_files_passed_over_are_listed_by_reason_and_escaped():
    report = audit(CORPUS / "images" / "01-xm-hi3516ev300-general.bin")
    assert "Passed over" not in html.render(report)
    odd = report.coverage.model_copy(update={"passed_over": {"lineage: not compared: <b>x</b> code": 3}})
    document = html.render(report.model_copy(update={"coverage": odd}))
    _markup(document)
    assert "<h2>Passed over</h2>" in document
    assert "<tr><td>3</td><td>lineage: not compared: &lt;b&gt;x&lt;/b&gt; code</td></tr>" in document
