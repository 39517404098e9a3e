"""Open-source components: by file name (the file is the component) or by banner (it embeds it)."""

from __future__ import annotations

import pytest

from firmware_audit.analyze import ANALYZERS, FileContext, Text, matching
from firmware_audit.analyze.lineage.components import COMPONENTS_FILE, components, load, recognise
from firmware_audit.extract import unpack


@pytest.mark.parametrize(
    ("name", "strings", "component", "version"),
    [
        ("libuClibc-0.9.33.2.so", [], "uClibc", "0.9.33.2"),
        ("libc-2.19-2014.06.so", [], "glibc", "2.19"),
        ("ld-musl-mipsel-sf.so.1", [], "musl", None),
        ("busybox", [Text(40, "BusyBox v1.20.2 (2016-05-10 17:51:12 CST)")], "busybox", "1.20.2"),
        ("libcrypto.so.1.1", [Text(9, "OpenSSL 1.1.1k  25 Mar 2021")], "OpenSSL", "1.1.1k"),
        ("libmbedtls.so.12", [Text(1, "Mbed TLS 2.28.1")], "mbed TLS", "2.28.1"),
        ("lighttpd", [Text(5, "lighttpd/1.4.59")], "lighttpd", "1.4.59"),
        ("dropbear", [Text(7, "SSH-2.0-dropbear_2019.78")], "dropbear", "2019.78"),
        ("libavcodec.so.58", [Text(3, "Lavc58.91.100")], "FFmpeg", "58.91.100"),
    ],
)
def test_named_files_are_components(name, strings, component, version) -> None:
    found = recognise(name, strings)
    assert found is not None
    assert (found.component.name, found.version, found.whole) == (component, version, True)


def test_a_banner_in_a_program_says_it_embeds_the_component() -> None:
    found = recognise("iCamera", [Text(100, "usage"), Text(200, "OpenSSL 1.0.2u  20 Dec 2019")])
    assert found is not None
    assert (found.component.name, found.version, found.whole, found.offset) == (
        "OpenSSL",
        "1.0.2u",
        False,
        200,
    )


def test_a_maker_program_is_no_component() -> None:
    assert recognise("Sofia", [Text(0, "NetWork.NetCommon"), Text(9, "dvr main")]) is None


def test_every_component_names_its_sources() -> None:
    table = components()
    assert len(table) >= 20
    assert all(c.sources and (c.files or c.content) for c in table)
    assert load(COMPONENTS_FILE) == table


def test_a_row_without_sources_is_refused(tmp_path) -> None:
    bad = tmp_path / "components.toml"
    bad.write_text('[[component]]\nname = "x"\nfiles = ["^x$"]\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"component\]\] 1 \(x\): names no public source"):
        load(bad)


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        ('name = "x"\nfiles = ["^x$"]\nsource = ["a"]\nsources = ["b"]', "unknown key 'source'"),
        ('name = "x"\ncontent = ["(unclosed"]\nsources = ["b"]', "content: '(unclosed' is not a regular"),
        ('name = "x"\nsources = ["b"]', "neither files nor content patterns"),
        ('name = "x"\nfiles = ["^x$", "^x$"]\nsources = ["b"]', "files: lists an entry twice"),
    ],
)
def test_a_bad_row_is_refused_with_every_problem_named(tmp_path, row: str, problem: str) -> None:
    bad = tmp_path / "components.toml"
    good = '[[component]]\nname = "y"\nfiles = ["^y$"]\nsources = ["c"]\n'
    bad.write_text(f'{good}[[component]]\n{row}\n[[component]]\nname = "z"\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"components\.toml \[\[component\]\] 2 \(x\)") as raised:
        load(bad)
    assert problem in str(raised.value)
    assert "component]] 3 (z): names no public source" in str(raised.value)  # the next row's problem too


def test_an_unreadable_table_is_named(tmp_path) -> None:
    bad = tmp_path / "components.toml"
    bad.write_text("[[component]\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"components\.toml"):
        load(bad)


def _context(data: bytes) -> FileContext:
    tree = unpack(data)
    return FileContext(tree, tree.root)


@pytest.mark.parametrize(
    ("name", "data"),
    [
        # a banner split over two strings: the search runs over the strings joined one a line
        ("libfoo.so", b"\x01\x00GNU C Library (Ubuntu\x00GLIBC 2.35) stable release version 2.35\x00"),
        (
            "iCamera",
            b"\x00usage: iCamera\x00" + "OpenSSL 1.0.2u  20 Dec 2019".encode("utf-16-le") + b"\x00\x00",
        ),
        ("busybox", b"\x00BusyBox v1.31.1 (2020-01-01)\x00"),
        ("Sofia", b"\x00NetWork.NetCommon\x00dvr main\x00"),
        ("libcrypto.so.1.1", b"\x00no banner here\x00"),
    ],
)
def test_banners_searched_only_where_the_engine_points_are_found_alike(name: str, data: bytes) -> None:
    ctx = _context(data)
    assert ctx.strings()
    gated = recognise(name, ctx.strings(), lines=ctx.lines(), candidates=ctx.candidate_indices)
    assert gated == recognise(name, ctx.strings())


def test_banners_are_prefiltered_by_the_matching_engine() -> None:
    registered = matching.patterns_of(matching.declared(ANALYZERS))["lineage-components"]
    assert {p.pattern for p in registered} == {p.pattern for c in components() for p in c.content}
