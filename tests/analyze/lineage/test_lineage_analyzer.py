"""The self-made case: version 2 of a program, stripped and with its vendor names scrubbed, is named
as its maker's build through lineage against an index holding only version 1; another vendor's
program matches no maker."""

from __future__ import annotations

import pytest
from builders import tar_of
from lineage_fixtures import DATA, scrub

import firmware_audit
from firmware_audit.analyze import ANALYZERS
from firmware_audit.analyze.attribution import candidates
from firmware_audit.analyze.lineage import LineageAnalyzer
from firmware_audit.analyze.lineage import digest as digest_module
from firmware_audit.analyze.lineage import index as lineage_index
from firmware_audit.analyze.lineage.index import Source
from firmware_audit.analyze.lineage.reference import add_reference
from firmware_audit.cli import main
from firmware_audit.model import Category, LineageKind, LineageStrength

# The fixture's label: an arbitrary maker of signatures/traces/makers.toml (the program is ours).
MAKER = "TVT"
SOURCE = Source(repository="lab/samples", commit="1" * 40, path="maker_app_v1", sha256="b" * 64)


@pytest.fixture
def index(tmp_path):
    add_reference(
        DATA / "maker_app_v1",
        folder=tmp_path,
        reference_id="tvt-app-1",
        maker=MAKER,
        source=SOURCE,
        product="camera daemon",
        version="1",
    )
    return lineage_index.load(tmp_path, f"local:{tmp_path}")


def _analyzers(index):
    return [*(a for a in ANALYZERS if a.name != "lineage"), LineageAnalyzer([index])]


def _maker_builds(report):
    return [f for f in report.findings if f.lineage is not None and f.lineage.kind is LineageKind.MAKER_BUILD]


def test_scrubbed_next_version_is_named_through_lineage(index) -> None:
    image = scrub((DATA / "maker_app_v2").read_bytes(), b"acme ?vision|acme")
    assert b"AcmeVision" not in image
    assert b"ACME" not in image
    report = firmware_audit.audit(image, analyzers=_analyzers(index))
    (found,) = _maker_builds(report)
    lineage = found.lineage
    assert found.category is Category.LINEAGE
    assert lineage is not None
    assert (lineage.maker, lineage.reference, lineage.strength) == (
        MAKER,
        "tvt-app-1",
        LineageStrength.STRONG,
    )
    assert lineage.index == index.name
    assert lineage.shared_functions is not None
    assert lineage.shared_functions >= 16
    assert lineage.reference_source == "lab/samples@111111111111:maker_app_v1"
    assert any(e.kind == "function" and e.location.offset for e in found.evidence)
    assert report.verdict.oem
    assert report.verdict.oem[0].vendor == MAKER
    assert found.id in report.verdict.oem[0].basis


def test_another_vendors_program_matches_no_maker(index) -> None:
    report = firmware_audit.audit((DATA / "other_app").read_bytes(), analyzers=_analyzers(index))
    assert _maker_builds(report) == []
    assert report.verdict.oem == ()


def test_a_weak_match_is_shown_but_not_counted(index) -> None:
    report = firmware_audit.audit((DATA / "maker_app_v2").read_bytes(), analyzers=_analyzers(index))
    (strong,) = _maker_builds(report)
    assert strong.lineage is not None
    weak = strong.model_copy(
        update={"lineage": strong.lineage.model_copy(update={"strength": LineageStrength.WEAK})}
    )
    assert candidates([strong])
    assert candidates([weak]) == ()


def test_two_makers_matching_strongly_is_nobodys_lineage(tmp_path) -> None:
    for maker in ("TVT", "Tiandy"):
        add_reference(
            DATA / "maker_app_v1", folder=tmp_path, reference_id=maker.lower(), maker=maker, source=SOURCE
        )
    both = lineage_index.load(tmp_path, "local:both")
    report = firmware_audit.audit((DATA / "maker_app_v2").read_bytes(), analyzers=_analyzers(both))
    # Their shared functions are common code: no match at all, or a weak one that names both.
    for found in _maker_builds(report):
        assert found.lineage is not None
        assert found.lineage.strength is LineageStrength.WEAK
    assert report.verdict.oem == ()


def test_components_are_findings_and_never_compared(index) -> None:
    data = (DATA / "maker_app_v1").read_bytes()
    tree_files = {"libuClibc-0.9.33.2.so": data}
    report = firmware_audit.audit(tar_of(tree_files), analyzers=_analyzers(index))
    (component,) = [f for f in report.findings if f.lineage is not None]
    assert component.lineage is not None
    assert (component.lineage.kind, component.lineage.component, component.lineage.component_version) == (
        LineageKind.COMPONENT,
        "uClibc",
        "0.9.33.2",
    )


def test_add_reference_cli_grows_the_local_index_later_audits_use(tmp_path, monkeypatch, capsys) -> None:
    local = tmp_path / "local-index"
    monkeypatch.setenv(lineage_index.LOCAL_ENV, str(local))
    code = main(
        [
            "signatures",
            "add-reference",
            str(DATA / "maker_app_v1"),
            "--maker",
            MAKER,
            "--source",
            "lab/cases@case-17:maker_app_v1",
            "--version",
            "1",
        ]
    )
    assert code == 0
    assert "1 binaries of the maker" in capsys.readouterr().out
    assert list((local / "references").glob("*.json"))
    image = tmp_path / "fw.bin"
    image.write_bytes(scrub((DATA / "maker_app_v2").read_bytes(), b"acme ?vision|acme"))
    report = firmware_audit.audit(image)
    (found,) = _maker_builds(report)
    assert found.lineage is not None
    assert found.lineage.index == f"local:{local}"
    assert report.verdict.oem[0].vendor == MAKER


def test_add_reference_cli_refuses_a_bad_source(tmp_path, capsys) -> None:
    code = main(
        [
            "signatures",
            "add-reference",
            str(DATA / "maker_app_v1"),
            "--maker",
            MAKER,
            "--source",
            "no-commit-here",
            "--index",
            str(tmp_path),
        ]
    )
    assert code == 2
    assert "REPOSITORY@COMMIT:PATH" in capsys.readouterr().err


def test_a_broken_local_index_is_an_issue(tmp_path, monkeypatch) -> None:
    (tmp_path / "references").mkdir()
    (tmp_path / "references" / "x.json").write_text("{", encoding="utf-8")
    monkeypatch.setenv(lineage_index.LOCAL_ENV, str(tmp_path))
    report = firmware_audit.audit((DATA / "other_app").read_bytes(), analyzers=[LineageAnalyzer()])
    assert any("local lineage index not used" in i.message for i in report.issues)


def test_a_file_is_digested_only_for_references_of_its_instruction_set(index, tmp_path, monkeypatch) -> None:
    swept: list[int] = []
    thumb_pieces = digest_module._thumb_pieces

    def counted(*args):
        swept.append(1)
        return thumb_pieces(*args)

    monkeypatch.setattr(digest_module, "_thumb_pieces", counted)
    library = (DATA / "maker_lib_thumb.so").read_bytes()
    # The index holds ARM code only: the Thumb-2 library is not swept, and matches nothing.
    report = firmware_audit.audit(library, analyzers=[LineageAnalyzer([index])])
    assert _maker_builds(report) == []
    assert swept == []
    # ... and the report says so, counted
    assert report.coverage.passed_over == {
        "lineage: not compared: thumb code, and no reference index holds thumb builds": 1
    }
    # With a Thumb reference (the library itself), it is swept and named.
    thumb = tmp_path / "thumb"
    add_reference(
        DATA / "maker_lib_thumb.so", folder=thumb, reference_id="tvt-lib-1", maker=MAKER, source=SOURCE
    )
    report = firmware_audit.audit(
        library, analyzers=[LineageAnalyzer([index, lineage_index.load(thumb, f"local:{thumb}")])]
    )
    (found,) = _maker_builds(report)
    assert found.lineage is not None
    assert found.lineage.reference == "tvt-lib-1"
    assert swept
    assert report.coverage.passed_over == {}


def test_files_not_compared_are_counted_by_why_at_every_place(index) -> None:
    x86 = bytearray((DATA / "maker_app_v1").read_bytes())
    x86[18:20] = (3).to_bytes(2, "little")  # e_machine: EM_386
    library = (DATA / "maker_lib_thumb.so").read_bytes()
    image = tar_of({"lib/a.so": library, "lib/b.so": library, "bin/x86": bytes(x86)})
    report = firmware_audit.audit(image, analyzers=[LineageAnalyzer([index])])
    assert report.coverage.passed_over == {
        "lineage: not compared: I386 code, which the function digests do not read": 1,
        "lineage: not compared: thumb code, and no reference index holds thumb builds": 2,
    }
