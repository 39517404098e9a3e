import pytest
from traces_data import clean_tree, corpus_tree, run, run_all

from firmware_audit.analyze.traces import DefaultMacAnalyzer
from firmware_audit.refdata import oui

ANALYZER = DefaultMacAnalyzer()


def test_default_mac_in_a_makers_block() -> None:
    (finding,) = run(ANALYZER, {"env": b"bootargs=x\x00ethaddr=0C:75:D2:12:34:56\x00"})
    assert (finding.trace.kind, finding.trace.vendor, finding.trace.vendor_country) == (
        "mac-oui",
        "Hikvision",
        "CN",
    )
    assert "Hangzhou Hikvision Digital Technology" in finding.trace.detail
    assert finding.evidence[1].value == "ethaddr=0C:75:D2:12:34:56"


@pytest.mark.parametrize(
    "content",
    [
        b"ethaddr=00:12:41:6c:2e:55",  # registered, but to a company that makes no cameras
        b"ethaddr=02:75:d2:12:34:56",  # locally administered
        b"mac=0C:75:D2:12:34",  # too short
        b"version=0C:75:D2:12:34:56",  # not a MAC setting
    ],
)
def test_benign_look_alikes(content) -> None:
    assert run(ANALYZER, {"env": content + b"\n"}) == []


def test_registry_lookup() -> None:
    found = oui.registrant("00-12-41-6c-2e-55")
    assert found is not None
    assert (found.organisation, found.country) == ("a2i marketing center", "KR")
    assert oui.registrant("not a mac") is None
    assert oui.refdata().name.startswith("IEEE MA-L (OUI) registry via netaddr")


def test_corpus_defaults_name_no_maker() -> None:
    assert run_all(ANALYZER, corpus_tree("04-spi-nor-16m.bin")) == []
    assert run_all(ANALYZER, clean_tree()) == []
