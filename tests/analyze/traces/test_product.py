import json

from traces_data import run, tar

from firmware_audit.analyze import FileContext
from firmware_audit.analyze.traces import ProductDefinitionAnalyzer
from firmware_audit.extract import unpack
from firmware_audit.model import IssueKind

ANALYZER = ProductDefinitionAnalyzer()


def test_identity_fields_are_listed_under_the_layouts_maker() -> None:
    product = {"OEMID": "General", "Vendor": "MUSTERCAM", "Model": "MC-3100", "Other": "x"}
    (finding,) = run(ANALYZER, {"mnt/custom/ProductDefinition": json.dumps(product).encode()})
    assert (finding.trace.kind, finding.trace.vendor) == ("product-definition", "Xiongmai")
    assert "OEMID: General; Vendor: MUSTERCAM; Model: MC-3100" in finding.trace.detail
    assert "Other" not in finding.trace.detail
    assert [e.value for e in finding.evidence if e.kind == "field"] == [
        "OEMID: General",
        "Vendor: MUSTERCAM",
        "Model: MC-3100",
    ]


def test_a_file_that_is_not_json_is_an_issue_not_a_trace() -> None:
    tree = unpack(tar({"ProductDefinition": b"OEMID=General\n"}))
    ctx = FileContext(tree, tree["/ProductDefinition"])
    assert list(ANALYZER.analyze(ctx)) == []
    assert [i.kind for i in ctx.issues] == [IssueKind.MALFORMED]


def test_other_names_are_not_read() -> None:
    assert run(ANALYZER, {"ProductDefinition.json": b'{"OEMID": "General"}'}) == []
    assert run(ANALYZER, {"product.json": b'{"OEMID": "General"}'}) == []
