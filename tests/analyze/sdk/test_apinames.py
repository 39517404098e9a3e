"""SDK families found by the API names that stripped and static code writes in its messages."""

from firmware_audit.analyze import FileContext
from firmware_audit.analyze.sdk import SdkAnalyzer
from firmware_audit.analyze.sdk.match import match_families
from firmware_audit.extract import unpack
from firmware_audit.model import SdkKind, SdkUse
from firmware_audit.signatures.api_rules import (
    api_rules_source,
    example_names,
    family_names,
    name_at,
    rule_name,
)
from firmware_audit.signatures.sdk import Family, SdkSignatures, signatures
from firmware_audit.signatures.yara import compile_rules, scan

P2P = Family(
    id="example-p2p",
    name="Example P2P",
    vendor="Example",
    vendor_country="CN",
    kind=SdkKind.P2P,
    prefixes=("EXP2P_",),
    symbols=frozenset({"EXP2P_Initialize", "EXP2P_Connect", 'ExQuote"Init'}),
    sources=("example/repo:README.md",),
)
LONGER = Family(
    id="example-longer",
    name="Example longer prefix",
    vendor="Other",
    vendor_country="TW",
    kind=SdkKind.CLOUD_IOT,
    prefixes=("EXP2P_Cloud_",),
    symbols=frozenset({"EXP2P_Cloud_Init", "EXP2P_Cloud_Open"}),
    sources=("example/other:README.md",),
)
SINGLE = Family(
    id="example-single",
    name="Example with one exact name",
    vendor="Single",
    vendor_country="CN",
    kind=SdkKind.OTHER,
    symbols=frozenset({"ExSingle_Init"}),
    sources=("example/single:README.md",),
)
DATA = SdkSignatures.build([P2P, LONGER, SINGLE], (), ())


def _names(text: bytes, family: Family = P2P, symbols: tuple[str, ...] = ()) -> list[str]:
    rules = compile_rules([], {"t": api_rules_source(DATA)})
    (match,) = [m for m in scan(text, rules) if m.rule == rule_name(family)]
    return list(family_names(text, (h.offset for h in match.hits), family, DATA, symbols))


def test_the_whole_identifier_is_read_and_only_where_it_starts() -> None:
    text = b"x EXP2P_Listen fail: %d\0ERROR_EXP2P_TIMEOUT\0" + b"EXP2P_" + b"a" * 200
    assert name_at(text, 2) == "EXP2P_Listen"
    assert name_at(text, text.index(b"EXP2P_TIMEOUT")) is None  # continues ERROR_
    assert name_at(text, text.rindex(b"EXP2P_")) is None  # too long to be an API name


def test_two_names_with_one_exact_symbol_are_enough() -> None:
    text = b"EXP2P_Initialize = %d\0EXP2P_Listen fail : %d\0"
    assert _names(text) == ["EXP2P_Initialize", "EXP2P_Listen"]


def test_names_that_only_share_the_prefix_need_three() -> None:
    assert _names(b"EXP2P_Read iRet\0EXP2P_Write iRet\0") == []
    assert _names(b"EXP2P_Read iRet\0EXP2P_Write iRet\0EXP2P_Check\0") == [
        "EXP2P_Read",
        "EXP2P_Write",
        "EXP2P_Check",
    ]


def test_one_name_repeated_is_not_enough() -> None:
    assert _names(b"EXP2P_Initialize\0" * 5) == []


def test_a_longer_prefix_of_another_family_is_not_counted() -> None:
    text = b"EXP2P_Cloud_Init\0EXP2P_Cloud_Send\0EXP2P_Read\0"
    assert _names(text) == []
    assert _names(text, LONGER) == ["EXP2P_Cloud_Init", "EXP2P_Cloud_Send"]


def test_names_of_the_symbol_table_are_symbols_not_messages() -> None:
    text = b"EXP2P_Initialize\0EXP2P_Connect\0"
    assert _names(text) == ["EXP2P_Initialize", "EXP2P_Connect"]
    assert _names(text, symbols=("EXP2P_Initialize",)) == []


def test_generated_rules_compile_escape_quotes_and_carry_their_examples() -> None:
    source = api_rules_source(DATA)
    assert 'ExQuote\\"Init' in source
    rules = compile_rules([], {"t": source})
    assert {r.identifier for r in rules} == {rule_name(P2P), rule_name(LONGER)}  # SINGLE: too few exact names
    example = "\n".join(example_names(P2P)).encode()
    assert rule_name(P2P) in {m.rule for m in scan(example, rules)}


def test_the_shipped_tables_give_their_rules_to_the_scan() -> None:
    text = (
        b"PPPP_Listen fail : %d\0PPPP_Read logic error\0XQP2P_Write=%d\0XQP2P_ListenEx after\0XQP2P_Check\0"
    )
    families = match_families(
        signatures(), file_name="encoder", elf=True, facts=None, rule_matches=scan(text), data=text
    )
    assert [(m.family.id, m.use, m.confidence) for m in families] == [
        ("cs2-pppp", (SdkUse.EMBEDDED,), 0.75),
        ("ilnk-p2p", (SdkUse.EMBEDDED,), 0.75),
    ]
    assert list(families[1].written) == ["XQP2P_Write", "XQP2P_ListenEx", "XQP2P_Check"]


def test_the_finding_names_the_api_names_and_where_they_stand() -> None:
    text = b"\x7fnot elf\0PPPP_Listen fail : %d\0PPPP_Read logic error\0"
    tree = unpack(text, name="encoder")
    (finding,) = [f for f in SdkAnalyzer().analyze(FileContext(tree, tree.root)) if f.sdk is not None]
    assert finding.sdk.family == "cs2-pppp"
    assert finding.sdk.use == (SdkUse.EMBEDDED,)
    assert "2 of its API names written in the code's messages" in finding.title
    names = [(e.value, e.location.offset) for e in finding.evidence if e.kind == "api-name"]
    assert names == [("PPPP_Listen", text.index(b"PPPP_Listen")), ("PPPP_Read", text.index(b"PPPP_Read"))]
