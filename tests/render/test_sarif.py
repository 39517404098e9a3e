"""SARIF 2.1.0: valid against the official schema, one result per finding, virtual paths as locations."""

import json
from pathlib import Path

import jsonschema
import pytest
from hostile import SCRIPT, hostile_report

from firmware_audit.audit import audit
from firmware_audit.render import sarif
from firmware_audit.signatures.catalogue import catalogue

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "corpus"
SCHEMA = json.loads(
    (ROOT / "tests" / "data" / "sarif" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8")
)
# Every format the installed checkers know (uri, uri-reference with rfc3986-validator), not only draft 4's.
VALIDATOR = jsonschema.Draft4Validator(SCHEMA, format_checker=jsonschema.FormatChecker())


def _validate(log):
    errors = sorted(VALIDATOR.iter_errors(log), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]


@pytest.mark.parametrize(
    "name",
    ["01-xm-hi3516ev300-general.bin", "02-hik-digicap.dav", "06-sigmastar-tuya-ubi.bin", "11-encrypted.bin"],
)
def test_corpus_reports_are_valid_sarif(name):
    report = audit(CORPUS / "images" / name, policy=CORPUS / "policy-example.toml")
    log = json.loads(sarif.render(report))
    _validate(log)
    run = log["runs"][0]
    assert len(run["results"]) == len(report.findings)
    rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert sorted(rule_ids) == sorted({f.rule for f in report.findings})
    for result, finding in zip(run["results"], report.findings, strict=True):
        assert result["ruleId"] == finding.rule
        assert rule_ids[result["ruleIndex"]] == finding.rule
        assert result["partialFingerprints"]["firmwareAuditFindingId/v1"] == finding.id
        location = result["locations"][0]
        assert location["logicalLocations"][0]["fullyQualifiedName"] == (finding.location.path or "/")
        uri = location["physicalLocation"]["artifactLocation"]["uri"]
        assert uri.startswith(report.image.name)
        if finding.location.offset is not None:
            assert location["physicalLocation"]["region"]["byteOffset"] == finding.location.offset
    assert len(run["invocations"][0]["toolExecutionNotifications"]) == len(report.issues)
    assert run["properties"]["decision"]["outcome"] == report.decision.outcome.value


def test_rule_metadata():
    report = audit(CORPUS / "images" / "01-xm-hi3516ev300-general.bin")
    rules = {r["id"]: r for r in sarif.sarif_log(report)["runs"][0]["tool"]["driver"]["rules"]}
    endpoint = next(r for rid, r in rules.items() if rid.startswith("endpoint/"))
    assert endpoint["shortDescription"]["text"]
    assert endpoint["fullDescription"]["text"].startswith("A server the firmware is built to contact")
    assert endpoint["defaultConfiguration"]["level"] in {"note", "warning", "error"}
    assert endpoint["properties"]["category"] == "endpoint"
    for rule_id, rule in rules.items():  # every rule's metadata is the catalogue's
        row = catalogue().rule(rule_id)
        assert rule["shortDescription"]["text"] == catalogue().title(rule_id)
        assert (rule["fullDescription"]["text"], rule["properties"]["payload"]) == (
            row.description,
            row.payload,
        )
    assert rules["sdk/hisilicon-mpp"]["shortDescription"]["text"] == "SDK family: HiSilicon MPP"


def test_hostile_paths_become_valid_uris(tmp_path):
    report = hostile_report(tmp_path)
    log = json.loads(sarif.render(report))
    _validate(log)
    hostile = next(r for r in log["runs"][0]["results"] if SCRIPT in r["message"]["text"])
    location = hostile["locations"][0]
    assert location["logicalLocations"][0]["fullyQualifiedName"] == f"/{SCRIPT}.bin"
    uri = location["physicalLocation"]["artifactLocation"]["uri"]
    assert "<" not in uri
    assert " " not in uri
    assert uri.endswith(
        "!/%3Cscript%3Edocument.body.setAttribute%28%27data-pwned%27%2C%27script%27%29%3C/script%3E.bin"
    )
