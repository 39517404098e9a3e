"""The matching engine never leaves out a string a declared pattern matches."""

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from builders import noise

from firmware_audit import audit
from firmware_audit.analyze import ANALYZERS, FileContext, matching
from firmware_audit.analyze.matching import database as engine_module
from firmware_audit.analyze.traces import organisations
from firmware_audit.extract import unpack
from firmware_audit.signatures import DATA_DIR
from firmware_audit.signatures.makers import base as maker_base

CORPUS = Path(__file__).resolve().parents[2] / "corpus" / "images"
ANCHORED = re.compile(r"^(?<![\w.])boot[a-z]+$")
WHOLE = re.compile(r"\Aonly\Z")
EMPTY = re.compile(r"x*")
SOURCES = (
    *matching.declared(ANALYZERS),
    matching.Patterns("test-matching", lambda: (ANCHORED, WHOLE, EMPTY)),
)
"""The shipped analyzers' patterns and this module's own."""


def _examples() -> list[str]:
    """Every example and look-alike of the trace tables' rows (what the rules are proven with)."""
    found = []
    for path in sorted((DATA_DIR / "traces").glob("*.toml")):
        for rows in tomllib.loads(path.read_text(encoding="utf-8")).values():
            for row in rows if isinstance(rows, list) else ():
                found += [*row.get("examples", []), *row.get("benign", [])]
    return found


def _context(data: bytes) -> FileContext:
    tree = unpack(data)
    return FileContext(tree, tree.root, patterns=SOURCES)


def _misses(ctx: FileContext) -> list[tuple[str, str]]:
    """(pattern, string) of every string a declared pattern matches that the engine leaves out."""
    texts = ctx.strings()
    missed = []
    for patterns in matching.patterns_of(ctx.patterns or matching.declared(ANALYZERS)).values():
        for pattern in patterns:
            named = set(ctx.candidate_indices(pattern))
            missed += [
                (pattern.pattern, t.value)
                for i, t in enumerate(texts)
                if i not in named and pattern.search(t.value)
            ]
    return missed


def test_every_example_of_the_trace_tables_is_a_candidate() -> None:
    examples = [e.encode("ascii", "replace") for e in _examples()]
    data = b"\x00".join(examples) + b"\x01" + b"\x00".join(e.decode().encode("utf-16-le") for e in examples)
    ctx = _context(data)
    assert len(ctx.strings()) > 100
    assert _misses(ctx) == []


@pytest.mark.parametrize("image", ["12-rebranded.bin", "05-ingenic-tutk.bin"])
def test_no_string_of_a_corpus_image_is_left_out(image: str) -> None:
    tree = unpack(CORPUS / image)
    files = [n for n in tree.files() if n.size and not tree.has_members(n)]
    assert files
    for node in files:
        assert _misses(FileContext(tree, node, patterns=SOURCES)) == [], node.path


def test_anchors_and_look_behinds_see_each_string_alone() -> None:
    ctx = _context(b"\x01bootloader\x00xbootfoo\x00bootabc!\x02")
    assert [ctx.strings()[i].value for i in ctx.candidate_indices(ANCHORED)] != []
    assert [t.value for t in ctx.candidates(ANCHORED) if ANCHORED.search(t.value)] == ["bootloader"]
    assert _misses(ctx) == []


def test_what_the_engine_cannot_filter_is_searched_in_every_string() -> None:
    compiled = matching.engine(SOURCES).strings
    assert "anchored to the whole input" in compiled.unfiltered[WHOLE.pattern, 0]
    assert "empty string" in compiled.unfiltered[EMPTY.pattern, 0]
    ctx = _context(b"only\x00other\x00" + noise(2000))
    assert list(ctx.candidate_indices(WHOLE)) == list(range(len(ctx.strings())))


def test_an_undeclared_pattern_is_an_error() -> None:
    with pytest.raises(KeyError, match="not declared"):
        _context(b"some text here").candidate_indices(re.compile("never registered"))


def test_a_pattern_is_placed_once_and_an_undeclared_one_each_time_it_is_asked() -> None:
    compiled = matching.engine(SOURCES).strings
    copy = re.compile(ANCHORED.pattern + "(?:)")  # another object, another key: not declared
    assert compiled.place(ANCHORED) == compiled.place(ANCHORED) == compiled.ids[ANCHORED.pattern, 0]
    assert compiled.place(WHOLE) == engine_module.UNFILTERED
    for _ in range(2):  # asked again, still an error: a failed ask is not remembered
        with pytest.raises(KeyError, match="not declared"):
            compiled.place(copy)


def test_without_hyperscan_every_pattern_is_searched_in_every_string(monkeypatch) -> None:
    monkeypatch.setattr(engine_module, "hyperscan", None)
    monkeypatch.setattr(engine_module, "_COMPILED", {})
    compiled = matching.engine(SOURCES).strings
    assert compiled.ids == {}
    assert set(compiled.unfiltered.values()) >= {"Hyperscan is not installed"}
    ctx = _context(b"GCC: (Buildroot 2012.02) 4.4.0\x00other")
    assert _misses(ctx) == []


def test_the_engine_is_compiled_once() -> None:
    assert matching.engine() is matching.engine() is matching.engine(matching.declared(ANALYZERS))
    assert matching.engine().compile_seconds > 0
    assert matching.engine(SOURCES) is not matching.engine()


def test_the_engine_holds_what_the_audit_s_analyzers_declare() -> None:
    # Importing a module registers nothing: the shipped engine holds only the shipped analyzers' patterns.
    with pytest.raises(KeyError, match="not declared"):
        matching.engine().strings.place(ANCHORED)
    assert matching.engine(SOURCES).strings.place(ANCHORED) >= 0


class _BootAnalyzer:
    """An analyzer of the user's own that searches strings through the engine."""

    name = "boot-words"
    version = "1.0"
    patterns = (matching.Patterns("boot-words", lambda: (ANCHORED,)),)

    def __init__(self) -> None:
        self.seen: list[str] = []

    def applies_to(self, node: object) -> bool:
        return node is not None

    def analyze(self, ctx: FileContext) -> list[object]:
        self.seen += [t.value for t in ctx.candidates(ANCHORED) if ANCHORED.search(t.value)]
        return []


def test_an_analyzer_of_the_user_s_own_has_its_patterns_compiled() -> None:
    mine = _BootAnalyzer()
    report = audit(b"\x01bootloader\x00xbootfoo\x00bootabc!\x02", analyzers=[mine], jobs=1)
    assert mine.seen == ["bootloader"]
    assert not [i for i in report.issues if "boot-words" in i.message]


@pytest.mark.parametrize(
    ("text", "compiled"),
    [
        (r"a{2,160}b{0,40}c{1,3}", "a{2,}b{0,}c{1,3}"),
        (r"x{,50}y{,5}", "x{0,}y{0,5}"),
        (r"[]{0,80}]\{0,99}[^]{1,99}]{0,99}", r"[]{0,80}]\{0,99}[^]{1,99}]{0,}"),
    ],
)
def test_long_bounded_repeats_are_compiled_unbounded(text: str, compiled: str) -> None:
    assert engine_module.widened(text) == compiled


def _whole_text_names(ctx: FileContext) -> list[tuple[str, int, str]]:
    strings = organisations._Strings(ctx)
    return [(m.who.name, m.start, m.text) for m in maker_base().find(strings.joined)]


def _stretch_names(ctx: FileContext) -> list[tuple[str, int, str]]:
    return [(m.who.name, at, m.text) for m, at in organisations._named(organisations._Strings(ctx))]


@pytest.mark.parametrize(
    "data",
    [
        b"\x00".join(
            [b"made by Xiong Mai", b"xiong-mai", b"XIONG__MAI", b"ourHik", b"vision and more", b"tail"]
        ),
        b"x" * 500 + b" Dahua " + b"y" * 500 + b"\x00" + b"TP-LINK\x00" + "Hikvision".encode("utf-16-le"),
        b"\x00".join([b"abcd"] * 300 + [b"Dahua Technology"] + [b"efgh"] * 300),
    ],
)
def test_names_searched_where_the_engine_points_are_those_of_the_whole_text(data: bytes) -> None:
    ctx = _context(data)
    assert _whole_text_names(ctx) != []
    assert _stretch_names(ctx) == _whole_text_names(ctx)


@pytest.mark.parametrize("image", ["12-rebranded.bin", "01-xm-hi3516ev300-general.bin"])
def test_names_of_a_corpus_image_are_those_of_the_whole_text(image: str) -> None:
    tree = unpack(CORPUS / image)
    found = 0
    for node in tree.files():
        if node.size and not tree.has_members(node):
            ctx = FileContext(tree, node)
            expected = _whole_text_names(ctx)
            found += len(expected)
            assert _stretch_names(ctx) == expected, node.path
    assert found > 0


def test_a_fresh_process_compiles_its_own_engine() -> None:
    # A worker process starts with nothing compiled: the shipped analyzers' declarations are read then.
    code = (
        "from firmware_audit.analyze import FileContext, matching\n"
        "from firmware_audit.analyze.traces import buildenv\n"
        "from firmware_audit.extract import unpack\n"
        "tree = unpack(b'\\x00GCC: (Buildroot 2012.02) 4.4.0\\x00other text')\n"
        "ctx = FileContext(tree, tree.root)\n"
        "print(ctx.candidates(buildenv._COMPILER)[0].value, matching.engine().compile_seconds > 0)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=300
    )
    assert done.stdout.split("\n")[0] == "GCC: (Buildroot 2012.02) 4.4.0 True"


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("a|b(c|d)", ["a", "b(c|d)"]),
        ("(?i)a|b", ["(?i)a|b"]),
        (r"[|]|\||[^]|]|(?<![a|b])c", ["[|]", r"\|", "[^]|]", "(?<![a|b])c"]),
        ("[a^]|]|q", ["[a^]", "]", "q"]),
    ],
)
def test_top_level_branches_are_compiled_apart(text: str, parts: list[str]) -> None:
    assert engine_module.branches(text) == parts
    assert all(re.compile(part) for part in parts)
