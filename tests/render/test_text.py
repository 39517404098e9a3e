import pytest
from conftest import ROOT

from firmware_audit.audit import audit
from firmware_audit.declaration import read_declaration
from firmware_audit.model import Declared
from firmware_audit.render import text

IMAGES = ROOT / "corpus" / "images"
POLICY = ROOT / "corpus" / "policy-example.toml"


@pytest.fixture(scope="module")
def rebranded():
    declared, _ = read_declaration(IMAGES / "12-rebranded.submission.toml")
    return audit(IMAGES / "12-rebranded.bin", declared=declared, policy=POLICY)


def test_rebranded_camera_summary_reads_as_a_sentence(rebranded) -> None:
    lines = text.summary(rebranded)
    assert lines == [
        "Declared: Muster Sicherheit GmbH (DE), model MC-3100.",
        (
            "Maker: Made by Xiongmai (CN), on proof specific to it: root password hash of Xiongmai firmware "
            "(published password 'xmhdipc')."
        ),
        (
            "Evidence: Xiongmai firmware on Xiongmai XM530; 12 endpoints in CN (cloud, update, dns, push), "
            "1 endpoint in US (dns); root password hash of Xiongmai firmware; "
            "contradicts the declared origin (vendor, country)."
        ),
        "Decision: REJECT (reasons below).",
    ]


def test_summary_comes_first_then_verdict_decision_and_the_findings_table(rebranded) -> None:
    rendered = text.render(rebranded)
    order = [
        "Declared:",
        "Maker:",
        "Evidence:",
        "Image:",
        "Verdict:",
        "CONTRADICTION: declared vendor",
        "\nDecision: REJECT\n",
    ]
    positions = [rendered.index(marker) for marker in order]
    assert positions == sorted(positions)
    assert "  OEM candidate: Xiongmai (CN), confidence 1.00" in rendered
    assert f"Findings ({len(rebranded.findings)}: " in rendered
    assert "      high  credential  root password hash of Xiongmai firmware" in rendered


def test_clean_image_with_its_declaration() -> None:
    declared = Declared(vendor="Muster Sicherheit GmbH", model="MC-2040", country="DE")
    report = audit(IMAGES / "10-clean-domestic.bin", declared=declared, policy=POLICY)
    assert text.summary(report)[1:] == [
        "Maker: No maker can be named: nothing in the firmware names one.",
        (
            "Evidence: no maker named; SoC not identified; no hardcoded server; "
            "nothing contradicts the declaration."
        ),
        "Decision: ACCEPT (reasons below).",
    ]


def test_unverifiable_image_is_never_clean() -> None:
    report = audit(IMAGES / "11-encrypted.bin", declared=Declared(vendor="Foo", country="DE"))
    declared, maker, unreadable, evidence = text.summary(report)
    assert maker.startswith("Maker: No maker can be named")
    assert declared == "Declared: Foo (DE)."
    assert unreadable.startswith("UNVERIFIABLE: only 0% of the image could be explained")
    assert "so it cannot be cleared" in unreadable
    assert evidence.endswith("the declaration could not be checked.")


def test_undeclared_image() -> None:
    lines = text.summary(audit(IMAGES / "01-xm-hi3516ev300-general.bin"))
    assert lines[0] == "Declared: nothing (no vendor, model or country was given)."
    assert lines[1].startswith("Maker: Made by Xiongmai (CN), on proof specific to it: ")
    assert lines[2].startswith("Evidence: Xiongmai firmware on HiSilicon Hi3516EV300; 12 endpoints in CN")
    assert lines[2].endswith("root password hash of Xiongmai firmware.")


def _with_rejected(report, rejected):
    return report.model_copy(update={"coverage": report.coverage.model_copy(update={"rejected": rejected})})


def test_what_was_set_aside_is_counted_by_reason_most_first(rebranded) -> None:
    rejected = {f"endpoint: reason {i:02d}": i + 1 for i in range(12)}
    lines = text.render(_with_rejected(rebranded, rejected)).splitlines()
    at = lines.index("Set aside (78 candidates that were not what they looked like):")
    assert lines[at + 1].split() == ["12", "endpoint:", "reason", "11"]
    assert lines[at + 10].split() == ["3", "endpoint:", "reason", "02"]
    assert lines[at + 11] == "  and 2 more reasons (the JSON report lists all)"
    assert "Set aside" not in text.render(_with_rejected(rebranded, {}))


def test_files_passed_over_are_counted_by_reason_most_first(rebranded) -> None:
    passed = {"lineage: not compared: thumb code, and no reference index holds thumb builds": 314, "x: y": 2}
    coverage = rebranded.coverage.model_copy(update={"passed_over": passed})
    lines = text.render(rebranded.model_copy(update={"coverage": coverage})).splitlines()
    at = lines.index("Passed over (files an analyzer applies to but did not look into):")
    assert lines[at + 1].split()[:2] == ["314", "lineage:"]
    assert lines[at + 2].split() == ["2", "x:", "y"]
    assert "Passed over" not in text.render(rebranded)
