import random

import pytest
from p2p_vectors import VECTORS, params

from firmware_audit.p2p import InitStringError, ilnk


def test_the_document_lists_every_ilnk_vector():
    assert [v["id"] for v in VECTORS["ilnk"]] == [f"ILNK-{n}" for n in range(1, 7)]


@pytest.mark.parametrize("vector", params("ilnk"))
def test_decodes_every_vector(vector):
    assert ilnk.decode_text(vector["init"]) == vector["decoded"]
    fields = vector["decoded"].split(";")
    assert ilnk.decode(vector["init"]) == [f for f in fields[1:] if f]


def test_drops_the_empty_field_of_ilnk_4():
    vector = next(v for v in VECTORS["ilnk"] if v["id"] == "ILNK-4")
    assert ilnk.decode(vector["init"]) == ["pf1.ilnk.work", "pf2.ilnk.work", "pf1.i-lnk.com", "pf2.i-lnk.com"]


@pytest.mark.parametrize("vector", params("ilnk"))
def test_encoding_the_servers_round_trips(vector):
    hosts = ilnk.decode(vector["init"])
    suffix = ilnk.params(vector["init"])
    plain = ilnk.encode(hosts, suffix=suffix)
    shuffled = ilnk.encode(hosts, suffix=suffix, rng=random.Random(vector["id"]))
    for encoded in (plain, shuffled):
        assert ilnk.decode(encoded) == hosts
        assert ilnk.params(encoded) == suffix
    assert shuffled != plain


def test_smallest_pairs_give_the_synthetic_example_back():
    vector = next(v for v in VECTORS["ilnk"] if v["id"] == "ILNK-1")
    assert ilnk.encode(["127.0.0.1", "192.168.1.1", "10.0.0.1"]) == vector["init"]


def test_seeded_encoding_is_reproducible():
    hosts = ["139.155.68.77", "119.45.114.92"]
    assert ilnk.encode(hosts, rng=random.Random(7)) == ilnk.encode(hosts, rng=random.Random(7))


def test_suffix_is_optional():
    encoded = ilnk.encode(["10.0.0.1"], suffix=None)
    assert "-" not in encoded
    assert ilnk.params(encoded) is None
    assert ilnk.decode(encoded) == ["10.0.0.1"]


@pytest.mark.parametrize(
    "text", ["", "ABC-$$", "ab-$$", "AAAA-$$", "AB1D-$$"], ids=["empty", "odd", "lower", "no-count", "digit"]
)
def test_rejects_what_is_not_an_ilnk_string(text):
    with pytest.raises(InitStringError):
        ilnk.decode(text)


@pytest.mark.parametrize("hosts", [[], [""], ["a;b"], ["a~"]], ids=["none", "empty", "semicolon", "tilde"])
def test_refuses_to_encode_what_cannot_be_decoded(hosts):
    with pytest.raises(InitStringError):
        ilnk.encode(hosts)
