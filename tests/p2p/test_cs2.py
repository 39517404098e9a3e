import random

import pytest
from p2p_vectors import VECTORS, params

from firmware_audit.p2p import InitStringError, cs2


def test_the_document_lists_every_cs2_vector():
    ids = [v["id"] for v in VECTORS["cs2"]]
    assert ids == [f"CS2-{n}" for n in range(1, 24)] + [f"U-{n}" for n in range(1, 14)]
    assert len(cs2.TABLE) == 54


@pytest.mark.parametrize("vector", params("cs2"))
def test_decodes_every_vector(vector):
    assert cs2.decode_text(vector["init"]) == vector["decoded"]
    assert cs2.decode(vector["init"]) == vector["decoded"].rstrip(",").split(",")


@pytest.mark.parametrize("vector", params("cs2"))
def test_encoding_the_servers_gives_the_string_back(vector):
    body, _, key = vector["init"].partition(":")
    hosts = cs2.decode(vector["init"])
    encoded = cs2.encode(hosts, key or None)
    assert cs2.decode(encoded) == hosts
    assert cs2.key_of(encoded) == (key or None)
    if set(body) <= set("ABCDEFGHIJKLMNOP"):
        # The scheme has no randomness: real strings (letters A-P) come back letter for letter.
        assert encoded == vector["init"]
    else:
        # The synthetic example spells bytes with letters up to Z; the encoder writes A-P.
        assert vector["id"] == "CS2-1"
        assert encoded != vector["init"]


@pytest.mark.parametrize("vector", params("cs2_negative"))
def test_rejects_the_corrupted_copy(vector):
    with pytest.raises(InitStringError, match=r"54\.228\.249\.83,107\.20\.134\.235,54\.251\."):
        cs2.decode(vector["init"])


def test_ignores_white_space_and_reads_the_key():
    vector = next(v for v in VECTORS["cs2"] if v["id"] == "CS2-18")
    assert cs2.decode(vector["init"] + " ") == ["54.254.195.28", "112.74.108.149", "54.84.37.235"]
    assert cs2.key_of("ABCD:vstarcam2019") == "vstarcam2019"
    assert cs2.key_of("ABCD") is None


@pytest.mark.parametrize(
    "text", ["", "ABC", "abcd", "AB1D", "AB-D", ":KEY"], ids=["empty", "odd", "lower", "digit", "dash", "key"]
)
def test_rejects_what_is_not_a_cs2_string(text):
    with pytest.raises(InitStringError):
        cs2.decode(text)


def test_round_trips_random_server_lists():
    rng = random.Random(3)
    for _ in range(200):
        hosts = [
            "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789.-") for _ in range(rng.randint(1, 40)))
            for _ in range(rng.randint(1, 5))
        ]
        assert cs2.decode(cs2.encode(hosts)) == hosts


@pytest.mark.parametrize(
    ("hosts", "key"),
    [([], None), ([""], None), (["a,b"], None), (["h\u00e9"], None), (["a"], ""), (["a"], "k y")],
    ids=["none", "empty-host", "comma", "non-ascii", "empty-key", "space-in-key"],
)
def test_refuses_to_encode_what_cannot_be_decoded(hosts, key):
    with pytest.raises(InitStringError):
        cs2.encode(hosts, key)
