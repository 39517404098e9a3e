"""Every shipped YARA rule matches its example and its corpus file, and nothing in the benign set."""

import pytest
from sdk_data import IMAGES, benign_files, corpus_tree

from firmware_audit.analyze import FileContext
from firmware_audit.extract import unpack
from firmware_audit.model import IssueKind
from firmware_audit.signatures.yara import (
    REQUIRED_META,
    YaraScanError,
    chip_model,
    compile_rules,
    example_bytes,
    rule_files,
    rules,
    scan,
)

RULES = [
    (path.stem, rule.identifier, dict(rule.meta)) for path in rule_files() for rule in compile_rules([path])
]


def test_rules_compile_once_per_process() -> None:
    assert rules() is rules()
    assert len(RULES) >= 10


@pytest.mark.parametrize(("namespace", "name", "meta"), RULES, ids=[r[1] for r in RULES])
def test_rule_has_its_meta_and_matches_its_example(namespace: str, name: str, meta: dict) -> None:
    assert all(str(meta.get(key, "")).strip() for key in REQUIRED_META)
    example = example_bytes(meta)
    matched = {(m.namespace, m.rule) for m in scan(example)}
    assert (namespace, name) in matched
    if meta.get("clue") == "chip-string":
        assert any(chip_model(example, offset, meta) for offset in range(len(example)))


CORPUS_RULES = [(name, meta) for _, name, meta in RULES if "corpus" in meta]


@pytest.mark.parametrize(("name", "meta"), CORPUS_RULES, ids=[r[0] for r in CORPUS_RULES])
def test_rule_matches_its_corpus_file(name: str, meta: dict) -> None:
    image, path = str(meta["corpus"]).split(":", 1)
    assert (IMAGES / image).is_file()
    data = corpus_tree(image).read(path)
    assert name in {m.rule for m in scan(data)}


BENIGN = benign_files()


@pytest.mark.parametrize("data", [b[1] for b in BENIGN], ids=[b[0] for b in BENIGN])
def test_no_rule_matches_a_benign_file(data: bytes) -> None:
    assert [m.rule_id for m in scan(data)] == []


def test_the_benign_set_is_not_empty() -> None:
    names = [where for where, _ in BENIGN]
    assert any(name.startswith("benign/benign-arm") for name in names)
    assert sum(name.startswith("10-clean-domestic.bin:") for name in names) >= 8


def test_file_context_scans_once_and_shares_the_matches(monkeypatch) -> None:
    calls = []

    def counting_scan(data: bytes, compiled=None):
        calls.append(len(data))
        return scan(data, compiled)

    monkeypatch.setattr("firmware_audit.signatures.yara.scan", counting_scan)
    tree = unpack(b"junk Charlie is the designer of P2P!! junk")
    ctx = FileContext(tree, tree.root)
    first = ctx.yara()
    assert [m.rule_id for m in first] == ["sdk/throughtek-kalay/strings"]
    assert ctx.yara() is first
    assert len(calls) == 1


def test_a_scan_yara_gives_up_on_is_an_issue(monkeypatch) -> None:
    def failing_scan(*_args: object) -> None:
        raise YaraScanError("YARA timed out after 30 s")

    monkeypatch.setattr("firmware_audit.signatures.yara.scan", failing_scan)
    tree = unpack(b"some bytes")
    ctx = FileContext(tree, tree.root)
    assert ctx.yara() == ()
    assert [(i.kind, i.message) for i in ctx.issues] == [
        (IssueKind.ANALYZER_ERROR, "YARA scan failed: YARA timed out after 30 s")
    ]
