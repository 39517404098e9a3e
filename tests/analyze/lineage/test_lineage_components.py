"""Open-source components: by file name (the file is the component) or by banner (it embeds it)."""

from __future__ import annotations

import pytest

from firmware_audit.analyze import Text
from firmware_audit.analyze.lineage.components import COMPONENTS_FILE, components, load, recognise


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
    with pytest.raises(ValueError, match="sources"):
        load(bad)
