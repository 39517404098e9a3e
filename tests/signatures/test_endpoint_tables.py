"""The endpoint signature data: every row sound, sourced, matching its examples, not hidden by a reference."""

import tomllib

import pytest

from firmware_audit.analyze.endpoints import role, validate
from firmware_audit.analyze.endpoints.extract import scan
from firmware_audit.analyze.endpoints.p2p import device_ids
from firmware_audit.signatures import check
from firmware_audit.signatures.endpoints import ENDPOINTS_DIR, conflicts, endpoint_data, load

DATA = endpoint_data()
TABLES = {p.name: tomllib.loads(p.read_text(encoding="utf-8")) for p in sorted(ENDPOINTS_DIR.glob("*.toml"))}
ENDPOINT_ROWS = [
    pytest.param(row, id=f"{name}#{n}")
    for name, table in TABLES.items()
    for n, row in enumerate(table.get("endpoint", []))
]


def test_the_shipped_tables_are_sound() -> None:
    data, problems = load()
    assert problems == []
    assert conflicts(data) == []
    assert "endpoint tables" in dict(check.VALIDATORS)


def _domain_row(name: str):
    labels = name.split(".")
    return next(DATA.domains[d] for i in range(len(labels)) if (d := ".".join(labels[i:])) in DATA.domains)


@pytest.mark.parametrize("row", ENDPOINT_ROWS)
def test_every_vendor_row_matches_its_hosts_and_examples(row) -> None:
    assert row["sources"]
    for name in [*row.get("hosts", []), *row.get("examples", [])]:
        found = DATA.hosts[name] if "hosts" in row else _domain_row(name)
        expected = (row["vendor"], row.get("country"), row["role"])
        assert (found.vendor, found.country, found.role.value) == expected
        [candidate] = scan(name)
        verdict = (
            validate.check_address(name, known=True)
            if candidate.is_ip
            else validate.check_host(name, bare=False)
        )
        assert verdict.endpoint, name
        assert role.reference(candidate, role.Clues(), DATA) is None, name


@pytest.mark.parametrize(
    "row", [pytest.param(r, id=r["domains"][0]) for r in TABLES["reference.toml"]["reference"]]
)
def test_every_reference_domain_is_a_reference(row) -> None:
    for domain in row["domains"]:
        [candidate] = scan(f"http://www.{domain}/")
        assert role.reference(candidate, role.Clues(), DATA) == row["what"]


@pytest.mark.parametrize("row", TABLES["reference.toml"]["path"])
def test_every_reference_path_matches_its_examples(row) -> None:
    for example in row["examples"]:
        [candidate] = scan(f"http://vendor-cam.cn{example}")
        assert role.reference(candidate, role.Clues(), DATA) == row["what"]


@pytest.mark.parametrize("row", TABLES["operators.toml"]["operator"])
def test_every_operator_row_matches_its_examples(row) -> None:
    for example in row["examples"]:
        found = DATA.operator(example)
        assert found is not None
        assert (found.name, found.country) == (row["name"], row["country"])


def test_every_uid_prefix_is_recognised() -> None:
    for name, table in TABLES.items():
        for row in table.get("uid_prefix", []):
            for prefix in row["prefixes"]:
                [found] = device_ids(f"did={prefix}-123456-ABCDE")
                assert DATA.uid_prefixes[found.prefix].vendor == row["vendor"], name


BROKEN = """
[[endpoint]]
hosts = ["a.vendor-cam.cn", "not a host"]
role = "cloud"
vendor = "V"
country = "CN"
sources = ["s"]

[[endpoint]]
hosts = ["a.vendor-cam.cn"]
role = "cloud"
vendor = "V"
country = "CN"
sources = ["s"]

[[endpoint]]
domains = ["vendor-cam.cn"]
role = "cloud"
vendor = "V"
country = "CN"
examples = ["a.other.cn"]
sources = ["s"]

[[endpoint]]
hosts = ["b.vendor-cam.cn"]
role = "reference"
vendor = "V"
country = "CN"
sources = ["s"]

[[endpoint]]
hosts = ["c.vendor-cam.cn"]
role = "cloud"
vendor = "V"
country = "CN"
sources = []

[[operator]]
name = "O"
country = "US"
match = "^AMAZON"
examples = ["GOOGLE"]
sources = ["s"]

[[path]]
pattern = "("
what = "w"
examples = ["/x"]
sources = ["s"]

[[uid_prefix]]
prefixes = ["ab", "VSTC"]
vendor = "V"
network = "n"
apps = "a"
sources = ["s"]

[[whatever]]
x = 1
"""


def test_broken_rows_are_reported(tmp_path) -> None:
    table = tmp_path / "endpoints" / "broken.toml"
    table.parent.mkdir()
    table.write_text(BROKEN, encoding="utf-8")
    _, problems = load(table.parent)
    messages = "\n".join(f"{file}: {message}" for file, message in problems)
    for expected in (
        "a.vendor-cam.cn is already listed",
        "'not a host' is not a lower-case host name",
        "example 'a.other.cn' is not under vendor-cam.cn",
        "references belong in [[reference]]",
        "names no public source",
        "example 'GOOGLE' does not match",
        "pattern does not compile",
        "prefix 'ab' is not 3 to 7 capitals",
        "unknown tables ['whatever']",
    ):
        assert expected in messages
    assert all(file.startswith("endpoints/broken.toml") for file, _ in problems)


BROKEN_NEW = """
[[endpoint]]
domains = ["vendor-ddns.cn"]
role = "ddns"
vendor = "V"
country = "CN"
examples = ["a.vendor-ddns.cn"]
confidence = "low"
sources = ["s"]

[[endpoint]]
domains = ["pool.vendor-time.org"]
role = "ntp"
vendor = "P"
examples = ["0.pool.vendor-time.org"]
sources = ["s"]

[[endpoint]]
hosts = ["vendor-ddns.cn"]
role = "ddns"
vendor = "Another"
country = "US"
confidence = "sure"
sources = ["s"]

[[cloud]]
name = "C"
country = "US"
domains = ["vendor-cloud.com"]
region = '(?P<region>[a-z]+-\\d)\\.vendor-cloud\\.com$'
regions = { "eu-1" = "DE" }
examples = { "a.eu-1.vendor-cloud.com" = "DE" }
sources = ["s"]

[[cloud]]
name = "F"
country = "US"
domains = ["fourth-cloud.com"]
region = '(?P<region>[a-z]+-\\d)\\.fourth-cloud\\.com$'
regions = { "xx-1" = "Germany" }
examples = { "a.xx-1.fourth-cloud.com" = "DE" }
sources = ["s"]

[[cloud]]
name = "D"
country = "US"
domains = ["other-cloud.com", "vendor-cloud.com"]
region = '(?P<region>[a-z]+-\\d)\\.other-cloud\\.com$'
regions = { "eu-1" = "DE" }
examples = { "a.us-1.other-cloud.com" = "US" }
sources = ["s"]

[[cloud]]
name = "E"
country = "US"
domains = ["third-cloud.com"]
regions = { "eu-1" = "DE" }
sources = ["s"]
"""


def test_new_tables_and_keys_are_checked(tmp_path) -> None:
    table = tmp_path / "endpoints" / "broken.toml"
    table.parent.mkdir()
    table.write_text(BROKEN_NEW, encoding="utf-8")
    _, problems = load(table.parent)
    messages = "\n".join(message for _, message in problems)
    for expected in (
        "a low-confidence row gives its reason",
        "a row without a country must give its reason",
        "confidence: Input should be 'high' or 'low'",
        "regions.xx-1: 'Germany' is not an ISO 3166-1 alpha-2 code",
        "vendor-cloud.com is listed twice",
        "example 'a.us-1.other-cloud.com' does not give US",
        "regions need a region pattern",
    ):
        assert expected in messages, messages
    assert len(problems) == 7, messages


def test_a_name_in_a_host_row_and_a_domain_row_must_agree(tmp_path) -> None:
    table = tmp_path / "endpoints" / "twice.toml"
    table.parent.mkdir()
    table.write_text(
        '[[endpoint]]\nhosts = ["vendor-cam.cn"]\nrole = "cloud"\nvendor = "V"\ncountry = "CN"\n'
        'sources = ["s"]\n\n'
        '[[endpoint]]\ndomains = ["vendor-cam.cn"]\nrole = "cloud"\nvendor = "W"\ncountry = "CN"\n'
        'examples = ["a.vendor-cam.cn"]\nsources = ["s"]\n',
        encoding="utf-8",
    )
    _, problems = load(table.parent)
    assert [m for _, m in problems] == [
        "vendor-cam.cn is listed with another vendor or country in endpoints/twice.toml"
    ]


def test_low_confidence_rows_and_clouds_are_read() -> None:
    row = DATA.vendor("www.dahuap2p.com")
    assert row is not None
    assert row.low_confidence
    assert DATA.vendor("0.openwrt.pool.ntp.org").country is None
    cloud = DATA.cloud("ec2-122-248-234-207.ap-southeast-1.compute.amazonaws.com")
    assert cloud is not None
    assert cloud.region("ec2-122-248-234-207.ap-southeast-1.compute.amazonaws.com") == (
        "ap-southeast-1",
        "SG",
    )
