import pytest

from firmware_audit.signatures import check
from firmware_audit.signatures import makers as maker_data

BASE, PROBLEMS = maker_data.load()


def test_the_shipped_base_is_sound_large_and_registered() -> None:
    assert PROBLEMS == []
    assert "maker base" in dict(check.VALIDATORS)
    assert len(BASE.makers) >= 100
    assert all(row.sources for row in (*BASE.makers, *BASE.organisations))
    assert all(row.reason for row in BASE.makers if row.low_confidence)


@pytest.mark.parametrize(
    ("brand", "maker"),
    [
        ("ezviz", "Hikvision"),
        ("imou", "Dahua"),
        ("cp-plus", "Dahua"),
        ("wyze", "Hualai"),
        ("hualai", "Hualai"),
    ],
)
def test_brands_lead_to_the_company_that_makes_them(brand: str, maker: str) -> None:
    row = BASE.get(brand)
    assert row is not None
    assert BASE.maker_of(row).name == maker


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("Welcome to DaHua Tech.", ["Dahua"]),
        ("#  XiongMaiTech", ["Xiongmai"]),  # a camel-case boundary
        ("Dahua3.0-Web3.0", ["Dahua"]),  # a digit boundary
        ("Copyright (c) 2016 TP-LINK Technologies Co., Ltd.", ["TP-Link"]),
        ("Zhejiang Dahua Technology CO.,LTD.", ["Dahua"]),  # the legal name, suffix written otherwise
        ("wpa ssid hualaikeji", ["Hualai"]),  # the pinyin alias
        ("Amboot(R) Ambarella(R) Foscam(R)", ["Ambarella", "Ambarella", "Foscam"]),  # a chip maker too
        ("ACTIVE", []),  # no boundary inside a word
        ("dahuatech", []),  # a domain label is no word; domains are matched as domains
        ("DaHuaTech", ["Dahua"]),  # "DaHua Tech" joined at a camel-case boundary
        # key material: capitals and digits in a long run, where short names turn up by chance
        ("WEEWAXHFAKY1ANK3H686ZG27FUE6GBZ7MBAH6UFR6U1EK4YS7LKC46LZV41U83B2SM7", []),
        (
            "2LVR4GGMN298Z9VYGRDJWTFXV76Z6CNU17P2EHJLSYA3ME9U7EN3CLNDR3ZDVG8UUPVBSN66WJTTNZT58XXN7815XMZJYJJY3TVT7C8LS",
            [],
        ),
        ("HIKVISION2019", ["Hikvision"]),  # a name and a year: too short a run to be a key
    ],
)
def test_names_are_found_on_word_boundaries(text: str, named: list[str]) -> None:
    assert [m.who.name for m in BASE.find(text)] == named


def test_domains_belong_to_their_maker() -> None:
    assert BASE.by_domain("www.dahuap2pcloud.com").name == "Dahua"
    assert BASE.by_domain("XiongMaitech.com").name == "Xiongmai"
    assert BASE.by_domain("notdahuatech.com") is None
    assert BASE.by_domain("example.com") is None


ORGANISATIONS = """
[[organisation]]
id = "chipco"
name = "ChipCo"
kind = "chip"
country = "XX1"
aliases = ["ChipCo"]
sources = ["x"]

[[organisation]]
id = "cloudco"
name = "CloudCo"
kind = "bank"
aliases = ["CloudCo"]
sources = ["x"]
"""


def test_organisation_rows_are_checked_like_makers(tmp_path) -> None:
    (tmp_path / "organisations.toml").write_text(ORGANISATIONS, encoding="utf-8")
    _, problems = maker_data.load(tmp_path)
    messages = "\n".join(f"{file}: {message}" for file, message in problems)
    assert "(chipco): country: 'XX1' is not an ISO 3166-1 alpha-2 code" in messages
    assert "(cloudco): kind: Input should be" in messages


ROWS = """
[[maker]]
id = "a"
name = "Acme"
kind = "maker"
country = "DE"
aliases = ["Acme Vision"]
sources = ["x"]

[[maker]]
id = "a"
name = "Other"
kind = "brand"
country = "DE"
aliases = ["Other"]
parent = "b"
relation = "rebrand"
sources = ["x"]

[[maker]]
id = "c"
name = "C"
kind = "maker"
country = "DE"
aliases = ["ACME Vision Co., Ltd."]
sources = ["x"]
"""


def test_names_and_ids_are_unique(tmp_path) -> None:
    (tmp_path / "makers.toml").write_text(ROWS, encoding="utf-8")
    _, problems = maker_data.load(tmp_path)
    messages = "\n".join(m for _, m in problems)
    assert "id 'a' is used twice" in messages
    assert "the name 'acme vision' of 'c' is already 'a''s" in messages  # corporate suffixes do not count
    assert "parent 'b' is not in the base" in messages
