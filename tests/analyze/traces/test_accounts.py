import random
import re

import pytest
from traces_data import clean_tree, run, run_all

from firmware_audit.analyze.traces import DefaultAccountAnalyzer
from firmware_audit.analyze.traces.accounts import _PAIR
from firmware_audit.model import Category, Severity

ANALYZER = DefaultAccountAnalyzer()


@pytest.mark.parametrize(
    "content",
    [
        b"[telnet]\nuser=root\nport=9527\npassword=JCO66688\n",
        b'{"User": "root", "Password": "JCO66688"}\n',
        b"\x00root\x00\x00JCO66688\x00",  # a binary's string table
    ],
)
def test_pair_in_configuration_or_string_table(content) -> None:
    (finding,) = run(ANALYZER, {"etc/app.conf": content})
    assert finding.category is Category.CREDENTIAL
    assert finding.severity is Severity.HIGH
    assert (finding.trace.kind, finding.trace.vendor) == ("default-account", "JCO")
    assert "root / JCO66688" in finding.trace.detail
    assert "jmichault/ipcam-100-dok" in finding.evidence[0].context


def test_mirai_pair_names_no_vendor() -> None:
    (finding,) = run(ANALYZER, {"bin/app": b"\x00root\x00vizxv\x00"})
    assert finding.trace.vendor is None
    assert "Mirai" in finding.title


@pytest.mark.parametrize(
    "content",
    [
        b"user=admin\nport=12345\n",  # the password is not a password value
        b"password=12345\n",  # no user near it
        b"user=admin\nport=80\nhost=cam\nmode=auto\npassword=12345\n",  # too far apart
        b"user=root\npassword=JCO666889\n",  # another password
        b"user=administrator\npassword=12345\n",
    ],
)
def test_benign_look_alikes(content) -> None:
    assert run(ANALYZER, {"etc/app.conf": content}) == []


def test_nothing_in_the_clean_image() -> None:
    assert run_all(ANALYZER, clean_tree()) == []


def test_two_passwords_in_one_string_come_in_one_order() -> None:
    # Set order follows the hash seed; the report's order must not (the old loop gave either order).
    content = b"\x00root\x00password=xc3511 passwd=vizxv\x00"
    found = run(ANALYZER, {"bin/app": content})
    assert [f.trace.detail.split(" / ")[1].split()[0] for f in found] == ["vizxv", "xc3511"]


def test_the_pair_pattern_opens_with_every_way_a_pair_can_start() -> None:
    # `_PAIR` opens with the characters a match can start with, to be fast; it must find what the
    # pattern without that opening finds, in every case spelling (U+017F, the long s, is an `s`
    # ignoring case).
    plain = re.compile(_PAIR.pattern.removeprefix("(?=[\"'ulnaps])"), re.IGNORECASE)
    assert plain.pattern != _PAIR.pattern
    pieces = ["user", "USER", "Name", "login", "ACCOUNT", "pass", "PassWord", "passwd", "pwd", "PSW"]
    pieces += ["secret", "\u017fecret", "u\u017fer", "'", '"', " ", "\t", "=", ":", "x", ",", ";", "<", "İ"]
    rng = random.Random(7)
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 12))) for _ in range(20_000)]
    found = 0
    for text in texts:
        expected = [(m.span(), m.group("key"), m.group("value")) for m in plain.finditer(text)]
        assert [(m.span(), m.group("key"), m.group("value")) for m in _PAIR.finditer(text)] == expected
        found += len(expected)
    assert found > 1000
    assert _PAIR.search("\u017fecret=1") is not None
