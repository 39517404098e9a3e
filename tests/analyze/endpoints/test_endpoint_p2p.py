import tomllib
from pathlib import Path

import pytest

from firmware_audit.analyze.endpoints import p2p
from firmware_audit.p2p import cs2, ilnk

VECTORS = tomllib.loads(
    (Path(__file__).parents[2] / "data" / "p2p" / "vectors.toml").read_text(encoding="utf-8")
)
"""The test vectors of domain/p2p-init-strings.md section 7 (the codec's tests read the same file)."""


def params(table: str) -> list[object]:
    return [pytest.param(v, id=v["id"]) for v in VECTORS[table]]


def _servers(decoded: str, sep: str, skip_count: bool) -> list[str]:
    items = decoded.split(sep)
    return [s for s in (items[1:] if skip_count else items) if s]


@pytest.mark.parametrize("vector", params("cs2"))
def test_every_cs2_vector_is_found_and_decoded_in_binary_context(vector) -> None:
    text = "\x00\x01libPPPP_API.so\x00" + vector["init"] + "\x00PPPP_Initialize\x00"
    [found] = p2p.init_strings(text)
    assert found.variant == "CS2 PPPP"
    assert list(found.servers) == _servers(vector["decoded"], ",", skip_count=False)
    assert found.text == vector["init"].strip()
    assert text[found.start : found.end] == found.text


@pytest.mark.parametrize("vector", params("ilnk"))
def test_every_ilnk_vector_is_found_and_decoded(vector) -> None:
    text = f'InitString="{vector["init"]}"\n'
    [found] = p2p.init_strings(text)
    assert found.variant == "iLnk"
    assert list(found.servers) == _servers(vector["decoded"], ";", skip_count=True)


@pytest.mark.parametrize("vector", params("cs2_negative"))
def test_a_corrupted_string_gives_no_servers(vector) -> None:
    assert p2p.init_strings(vector["init"]) == []


def test_the_suffix_chooses_the_decoder() -> None:
    hosts = ["p2p.example-cloud.cn", "47.91.77.247"]
    with_key = cs2.encode(hosts, key="vstarcam2019")
    with_params = ilnk.encode(hosts)  # '-$$'
    found = p2p.init_strings(f"{with_key} {with_params}")
    assert [(f.variant, f.servers) for f in found] == [("CS2 PPPP", tuple(hosts)), ("iLnk", tuple(hosts))]
    assert found[0].text.endswith(":vstarcam2019")
    assert found[1].text.endswith("-$$")


@pytest.mark.parametrize(
    "text",
    [
        "ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJKLMNOP",  # an alphabet table
        "HTTPSERVERCONFIGURATIONERROR",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "ABCDEFGHIJKLMNOPQ",  # odd length
    ],
)
def test_capital_runs_that_do_not_decode_are_ignored(text) -> None:
    assert p2p.init_strings(text) == []


def test_device_ids() -> None:
    found = p2p.device_ids("did=VSTC-418276-KHMXW uid CAM888-000001-ABCDE x-VSTC-123456-ABCDEF")
    assert [(d.text, d.prefix) for d in found] == [
        ("VSTC-418276-KHMXW", "VSTC"),
        ("CAM888-000001-ABCDE", "CAM888"),
    ]


def test_vectors_cover_both_variants() -> None:
    assert VECTORS["cs2"]
    assert VECTORS["ilnk"]
