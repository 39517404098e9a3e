import hashlib
import warnings

import pytest

from firmware_audit.signatures import check
from firmware_audit.signatures import traces as trace_data

DATA, PROBLEMS = trace_data.load()


def test_the_shipped_tables_are_sound_and_registered() -> None:
    assert PROBLEMS == []
    assert "trace tables" in dict(check.VALIDATORS)
    assert {m.name for m in DATA.makers} >= {"Hikvision", "Dahua", "Xiongmai", "VStarcam", "Reolink"}
    assert all(row.sources for row in (*DATA.makers, *DATA.hashes, *DATA.accounts, *DATA.strings))


@pytest.mark.parametrize("row", DATA.hashes, ids=lambda r: r.hash)
def test_every_published_hash_is_its_plaintext_under_its_scheme(row) -> None:
    if row.scheme == "md5-hex":
        assert hashlib.md5(row.plaintext.encode()).hexdigest().upper() == row.hash.upper()
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        crypt = pytest.importorskip("crypt", reason="the crypt module left the standard library in 3.13")
    salt = row.hash[:2] if row.scheme == "des-crypt" else row.hash.rsplit("$", 1)[0]
    assert crypt.crypt(row.plaintext, salt) == row.hash


def test_makers_are_named_as_whole_words() -> None:
    assert [m.name for m in DATA.makers_named_in("EZVIZ (Hikvision)")] == ["Hikvision", "EZVIZ"]
    assert [m.name for m in DATA.makers_named_in("VStarcam or HiChip")] == ["VStarcam", "HiChip"]
    assert DATA.maker("VStarcam or HiChip") is None  # two makers: neither alone
    assert DATA.maker("Hangzhou Hikvision Digital Technology Co.,Ltd.").name == "Hikvision"
    assert DATA.maker("Dahuatech Trading") is None
    assert DATA.maker("Shenzhen Yunni (YsxLite)") is None  # a P2P platform is no maker
    assert DATA.maker(None) is None


def test_known_hash_lookup() -> None:
    assert DATA.known_hash("absxcfbgXtb3o").vendor == "Xiongmai"
    assert DATA.known_hash("9b60fc59706134759dbcaea58caf9068") is not None  # MD5 hex ignores case
    assert DATA.known_hash("ABSXCFBGXTB3O") is None  # crypt hashes do not


BROKEN = {
    "credentials.toml": """
[[hash]]
hash = "$1$short"
scheme = "md5-crypt"
plaintext = "p"
country = "CN"
sources = ["x"]

[[password]]
password = "same"
users = ["root"]
sources = ["x"]

[[password]]
password = "same"
users = ["admin"]
sources = ["x"]
""",
    "extra.toml": "[[surprise]]\nx = 1\n",
}


def test_the_mistakes_only_trace_tables_can_make_are_reported(tmp_path) -> None:
    for name, text in BROKEN.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    _, problems = trace_data.load(tmp_path)
    messages = "\n".join(f"{file}: {message}" for file, message in problems)
    for expected in (
        "hash '$1$short' is not a md5-crypt hash",
        "password 'same' is listed twice",
        "unknown tables ['surprise']",
    ):
        assert expected in messages, expected
