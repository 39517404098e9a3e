"""The matching engine's answer changes where the endpoint expressions run, never what they find."""

import random
from pathlib import Path

import pytest
from builders import noise, tar_of

from firmware_audit import unpack
from firmware_audit.analyze import FileContext
from firmware_audit.analyze.endpoints import ANALYZER, extract, gate
from firmware_audit.analyze.matching import database as engine_module
from firmware_audit.analyze.matching import registry
from firmware_audit.refdata import domains

CORPUS = Path(__file__).resolve().parents[3] / "corpus" / "images"
HOSTS = [
    b"http://user@cam.vendor-cloud.cn:8080/a?b#c",
    b"mailto:ops@vendor-cloud.cn",
    b"p2p1.cloudlinks.cn",
    b"%s.iot-as-mqtt.cn-shanghai.aliyuncs.com",
    b"${region}.api.example.com",
    b"'.cpplusddns.com'",
    b'location.protocol + "//103.224.212.249/x"',
    b"p2p1.vendor.comp2p2.vendor.com",
    b"8.8.8.8:53",
    b"2001:db8::1",
    b"fe80::",
    b"VSTC-418276-KHMXW",
    b"EBGAEIBIKHJJGFJKEOGCFAEPHPMAHONDGJFPBKCPAJJMLFKBDBAGCJPBGOLKIKLKAJMJKFDOOFJOBHCOMBKIAODIMLIGJFHMLNAAPJBLJDEOFGBHPHDOFLDPBLLECA",
    b"libc.so.6",
    b"main.cpp",
    b"NetWork.Nat",
    b"cfg.value.bin",
    b"WWW.EXAMPLE.COM:80",
    b"shop.xn--fiqs8s",
    b"'.cfg.value.bin'",
    b'".cdn.example.comx"',
]
SEPARATORS = [b"\x00", b"\n", b"\r\n", b"\x01", b'"', b" ", b"\t", b"\n::\n", b"\x00.a.example.com\x00"]


def _mixed() -> bytes:
    """Candidates of every kind between every kind of separator, in ASCII and UTF-16LE, short lines
    holding only an IPv6 form, and text runs longer than the 4,096 bytes a stretch reaches."""
    parts = [noise(64)]
    for i, host in enumerate(HOSTS):
        for separator in SEPARATORS:
            parts += [host, separator, b"x" * (i % 5), separator]
        parts += [noise(32, seed=i), host.decode().encode("utf-16-le"), b"\x00\x00"]
    long_line = b"word " * 1200
    parts += [long_line + b'".suffix.example.net"' + long_line, b"\x00", b"a.b\n::\n1::\n:a:\n"]
    parts += [("x" * 2100 + ".wide.example.org" + "y" * 2100).encode("utf-16-le"), b"\x00\x00"]
    parts += [b"x" * 4090 + b'".cut.example.com' + b"\x00"]
    parts += [b'say ".line.example.com\nthen more\x00', b'"/.x.example.com\n\x00']
    return b"".join(parts)


def _results(data: bytes) -> list[tuple[str, list[str], list[tuple[str, int]]]]:
    tree = unpack(data)
    found = []
    for node in [tree.root, *tree]:
        if node.size:
            ctx = FileContext(tree, node)
            findings = [f.model_dump_json() for f in ANALYZER.analyze(ctx)]
            found.append((node.path, findings, sorted(ctx.rejected.items())))
    return found


@pytest.fixture
def without_hyperscan(monkeypatch):
    monkeypatch.setattr(engine_module, "hyperscan", None)
    monkeypatch.setattr(engine_module, "_COMPILED", {})


def _whole(_self, data, _text, start, end):
    for lo, hi in extract.regions(data, start, end):
        yield lo, hi, dict.fromkeys(gate.PATTERNS, ((lo, hi),))


@pytest.fixture
def searched_whole(monkeypatch):
    """Every stretch searched whole with every expression, as before the engine was asked."""
    monkeypatch.setattr(gate.Gate, "stretches", _whole)
    monkeypatch.setattr(gate.Gate, "utf16", lambda _self, _lo, _hi: frozenset(gate.PATTERNS))
    monkeypatch.setattr(gate.Gate, "wide", lambda _self, start, end: [(start, end)])


SAMPLES = {
    "mixed": _mixed(),
    "tar": tar_of(
        {"www/app.js": b"var a = 'x.y'; fetch('https://api.example.cn/v1');\n::\n", "bin/app": _mixed()}
    ),
    **{path.name: path.read_bytes() for path in sorted(CORPUS.glob("*.bin"))[:6]},
}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_the_engine_and_the_fallback_find_what_whole_stretches_do(name, request) -> None:
    data = SAMPLES[name]
    with_engine = _results(data)
    assert any(findings for _, findings, _ in with_engine) or name != "mixed"
    request.getfixturevalue("searched_whole")
    assert _results(data) == with_engine
    request.getfixturevalue("without_hyperscan")
    assert _results(data) == with_engine


def test_every_expression_the_gate_asks_for_is_in_the_engine() -> None:
    asked = registry.patterns_of(engine_module.shipped())["endpoints"]
    compiled = engine_module.engine().strings
    assert len(asked) == len(gate.PATTERNS)
    assert all(registry.key(p) in compiled.ids for p in asked) == (engine_module.hyperscan is not None)


def _lines() -> list[str]:
    """The sample hosts, lines of the corpus images, and lines of random pieces of endpoints."""
    # Edges: a TLD of two characters with a hyphen, the shortest forms, a run of capitals going on.
    lines = [host.decode() for host in HOSTS] + ["a.b-c", "'.a.b-c'", "'//x", "x::", "A" * 40 + "1"]
    for path in sorted(CORPUS.glob("*.bin"))[:3]:
        tree = unpack(path.read_bytes())
        lines += [text.value for text in FileContext(tree, tree.root).strings()]
    pieces = [*"\"'`.:/@-%${}aZ1 ", "ABCDEFGHIJKLMNOP", "//", "::", ".com", "http://", "fe80", "${a}"]
    rng = random.Random(3)
    lines += ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 24))) for _ in range(20_000)]
    return lines


def _kept(pattern, text: str, lo: int = 0, hi: int | None = None) -> bool:
    """Whether `pattern` matches in `text[lo:hi]` where the analyzer keeps the match: a plain host
    name or a suffix only when its last label can end a name with a registrable domain."""
    return any(
        pattern not in {extract.HOST, extract.SUFFIX}
        or domains.may_end_a_name(m.group("host").rpartition(".")[2])
        for m in pattern.finditer(text, lo, len(text) if hi is None else hi)
    )


def test_every_match_is_in_a_string_holding_what_the_engine_is_asked_for() -> None:
    """Searched from any place to any place of a string, or as a text of its own cut from one.

    (An expression asked whole is compiled in prefilter mode, its look-arounds widened: the engine
    names every string holding a match of the rest of it. A plain host name or a suffix whose last
    label ends no public suffix is no candidate, and the engine is not asked for it.)
    """
    rng = random.Random(5)
    lines = _lines()
    parts = {pattern: asked for pattern, asked in gate._ASKED.items() if asked is not pattern}
    assert extract.HOST in parts
    for pattern, asked in parts.items():
        matched = 0
        for line in lines:
            lo = rng.randint(0, len(line))
            hi = rng.randint(lo, len(line))
            if _kept(pattern, line) or _kept(pattern, line, lo, hi) or _kept(pattern, line[lo:hi]):
                matched += 1
                assert asked.search(line), (pattern.pattern, line)
        assert matched > 20, pattern.pattern


@pytest.mark.parametrize(
    "data",
    [b"." * 1_000_000, b"1." * 500_000, b"1.2.3.4." * 125_000, b"a." * 500_000, b":" * 1_000_000],
    ids=["dots", "digit-dots", "addresses", "letter-dots", "colons"],
)
def test_a_megabyte_of_dots_and_digits_is_searched_once_per_expression(data, monkeypatch) -> None:
    searched: dict[str, int] = {}
    matches = extract._matches

    def counted(pattern, text, ranges):
        ranges = list(ranges)
        searched[pattern.pattern] = searched.get(pattern.pattern, 0) + sum(hi - lo for lo, hi in ranges)
        return matches(pattern, text, ranges)

    monkeypatch.setattr(extract, "_matches", counted)
    tree = unpack(data)
    ctx = FileContext(tree, tree.root)
    ANALYZER.analyze(ctx)
    assert all(length <= len(data) for length in searched.values()), searched
