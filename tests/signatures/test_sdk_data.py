"""The SDK tables and YARA rules are validated: each kind of mistake is reported by file and row."""

import shutil

import pytest

from firmware_audit.signatures import DATA_DIR
from firmware_audit.signatures.sdk import SDK_DIR, load, signatures
from firmware_audit.signatures.yara import compile_rules, generated_rules, rule_files
from firmware_audit.signatures.yara_check import yara_problems

GOOD_FAMILY = """
[[family]]
id = "{id}"
name = "Example SDK"
vendor = "Example"
vendor_country = "CN"
kind = "p2p"
libraries = ["libexample.so"]
prefixes = ["EXAMPLE_"]
symbols = ["EXAMPLE_Init"]
sources = ["example/repo:README.md"]
"""


def _problems(tmp_path, text: str) -> list[str]:
    (tmp_path / "t.toml").write_text(text, encoding="utf-8")
    _, problems = load(tmp_path)
    return [message for _, message in problems]


def test_the_shipped_tables_load_without_problems() -> None:
    data, problems = load(SDK_DIR)
    assert problems == []
    ids = {f.id for f in data.families}
    camera = {"hikvision-hcnetsdk", "hikvision-hpr", "dahua-netsdk", "xiongmai-netsdk", "uniview-netdev"}
    camera |= {"tvt-netsdk", "tiandy-nvssdk"}
    soc = {"hisilicon-mpp", "goke-mpp", "ingenic-imp", "sigmastar-mi", "fullhan-mpp", "anyka-plat"}
    soc |= {"novatek-hdal", "grainmedia-gm", "rockchip-rockit", "cvitek-mpi", "allwinner-mpp"}
    p2p = {"throughtek-kalay", "cs2-pppp", "ilnk-p2p", "hlp2p", "gwell-p2p"}
    cloud = {"tuya-ipc", "tencent-iot", "aliyun-linkkit", "huawei-iotda"}
    issue_families = camera | soc | p2p | cloud
    assert issue_families <= ids
    assert all(f.sources for f in data.families)
    assert signatures() is signatures()


def test_an_entry_two_families_share_is_reported(tmp_path) -> None:
    text = GOOD_FAMILY.format(id="one") + GOOD_FAMILY.format(id="two")
    problems = _problems(tmp_path, text)
    assert "symbol 'EXAMPLE_Init' also belongs to one" in " ".join(problems)
    assert "library 'libexample.so' also belongs to one" in " ".join(problems)


def test_clue_patterns_must_match_their_examples(tmp_path) -> None:
    text = """
[[toolchain]]
pattern = 'arm-examplev1-linux'
vendor = "Example"
vendor_country = "CN"
example = "arm-otherv1-linux-gcc"
sources = ["example/repo:README.md"]

[[kernel_module]]
pattern = "example_*.ko"
vendor = "Example"
vendor_country = "CN"
models = ["EX100"]
family_name = "EX200"
example = "example_sys.ko"
sources = ["example/repo:README.md"]

[[toolchain]]
pattern = 'arm-(unclosed'
vendor = "Example"
vendor_country = "CN"
example = "x"
sources = ["s"]
"""
    problems = " ".join(_problems(tmp_path, text))
    assert "does not match its example 'arm-otherv1-linux-gcc'" in problems
    assert "family_name 'EX200' is not one of its models" in problems
    assert "pattern does not compile" in problems


RULE = """
rule example_rule
{{
    meta:
{meta}
    strings:
        $a = "example-sdk-marker"
    condition:
        $a
}}
"""
META = {
    "id": "sdk/example/marker",
    "description": "d",
    "vendor": "Example",
    "source": "example/repo:README.md",
    "example": "example-sdk-marker",
}


def _rule_problems(tmp_path, **meta) -> list[str]:
    fields = {**META, **meta}
    lines = "\n".join(f'        {k} = "{v}"' for k, v in fields.items() if v is not None)
    path = tmp_path / "example.yar"
    path.write_text(RULE.format(meta=lines), encoding="utf-8")
    data, _ = load(SDK_DIR)
    return [message for _, message in yara_problems([path], data)]


def test_a_good_rule_has_no_problem(tmp_path) -> None:
    assert _rule_problems(tmp_path) == []


@pytest.mark.parametrize(
    ("meta", "message"),
    [
        ({"source": None}, "meta source is missing or empty"),
        ({"example": "something else"}, "does not match its example"),
        ({"family": "no-such-family"}, "meta family 'no-such-family' is not an SDK family"),
        ({"clue": "chip-string"}, "chip rule lacks meta vendor_country, model_pattern, model_prefix"),
        ({"clue": "gossip"}, "meta clue 'gossip' is not 'chip-string'"),
        (
            {"clue": "chip-string", "vendor_country": "CN", "model_pattern": "x", "model_prefix": "X"}
            | {"model_case": "upper"},
            "meta model_case 'upper' is not 'lower'",
        ),
        ({"example_hex": "00ff00"}, "does not match its example_hex"),
        ({"example_hex": "not hex"}, "meta example_hex is not hexadecimal"),
    ],
)
def test_rule_mistakes_are_reported(tmp_path, meta, message) -> None:
    problems = _rule_problems(tmp_path, **meta)
    assert any(message in p for p in problems), problems


def test_a_binary_example_is_checked(tmp_path) -> None:
    assert _rule_problems(tmp_path, example_hex=b"example-sdk-marker".hex()) == []


def test_a_low_confidence_row_loads_with_its_reason(tmp_path) -> None:
    text = GOOD_FAMILY.format(id="example-sdk").replace(
        "sources =", 'confidence = "low"\nreason = "one image only"\nsources ='
    )
    (tmp_path / "t.toml").write_text(text, encoding="utf-8")
    data, problems = load(tmp_path)
    assert problems == []
    assert data.families[0].low_confidence == "one image only"


def test_the_api_name_rules_made_from_the_tables_are_checked(tmp_path) -> None:
    text = GOOD_FAMILY.format(id="example-sdk").replace(
        'symbols = ["EXAMPLE_Init"]', 'symbols = ["EXAMPLE_Init", "EXAMPLE_Open"]'
    )
    (tmp_path / "t.toml").write_text(text, encoding="utf-8")
    data, _ = load(tmp_path)
    assert yara_problems([], data) == []
    generated = [rule for rule in compile_rules([], generated_rules()) if rule.meta.get("family")]
    assert {rule.meta["family"] for rule in generated} >= {"cs2-pppp", "ilnk-p2p", "amazon-kinesis-video"}


def test_a_rule_that_does_not_compile_is_reported(tmp_path) -> None:
    path = tmp_path / "broken.yar"
    path.write_text("rule broken { condition: $missing }", encoding="utf-8")
    data, _ = load(SDK_DIR)
    ((file, message),) = yara_problems([path], data)
    assert file == "yara/broken.yar"
    assert "does not compile" in message


def test_the_shipped_rules_have_no_problem(tmp_path) -> None:
    data, _ = load(SDK_DIR)
    assert yara_problems(rule_files(), data) == []
    copy = tmp_path / "yara"
    shutil.copytree(DATA_DIR / "yara", copy)
    assert len(rule_files(copy)) == len(rule_files())
