"""Every signature table reads its rows through one row base, so a mistake is reported alike in each.

One good row per kind of table; each mistake is made in it, written to a scratch folder and read by
the table's own loader, which must name the mistake.
"""

import json

import pytest

from firmware_audit.signatures import endpoints, makers, sdk, traces
from firmware_audit.signatures.rows import read_rows

SOURCES = ["example/repo@0123456789abcdef0123456789abcdef01234567:README.md"]
TABLES = {
    "endpoint": (
        endpoints.load,
        "vendor.toml",
        {
            "hosts": ["a.vendor-cam.cn"],
            "role": "cloud",
            "vendor": "Vendor",
            "country": "CN",
            "sources": SOURCES,
        },
    ),
    "family": (
        sdk.load,
        "camera.toml",
        {
            "id": "example-sdk",
            "name": "Example SDK",
            "vendor": "Example",
            "vendor_country": "CN",
            "kind": "p2p",
            "libraries": ["libexample.so"],
            "prefixes": ["EXAMPLE_"],
            "symbols": ["EXAMPLE_Init"],
            "sources": SOURCES,
        },
    ),
    "string": (
        traces.load,
        "strings.toml",
        {
            "id": "acme-banner",
            "kind": "service-banner",
            "vendor": "Acme Corp",
            "pattern": "acme-httpd",
            "examples": ["Server: acme-httpd"],
            "benign": ["Server: other"],
            "sources": SOURCES,
            "ref": "r",
        },
    ),
    "maker": (
        makers.load,
        "makers.toml",
        {
            "id": "acme",
            "name": "Acme",
            "kind": "maker",
            "country": "DE",
            "aliases": ["Acme"],
            "domains": ["acme.example"],
            "sources": SOURCES,
        },
    ),
}
COUNTRY = {"endpoint": "country", "family": "vendor_country", "maker": "country"}
LISTS = {"endpoint": "hosts", "family": "libraries", "string": "examples", "maker": "aliases"}


def _toml(value: object) -> str:
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{json.dumps(k)} = {_toml(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return json.dumps(value)


def _problems(tmp_path, table: str, changes: dict[str, object]) -> list[str]:
    load, name, good = TABLES[table]
    row = {k: v for k, v in {**good, **changes}.items() if v is not None}
    text = f"[[{table}]]\n" + "".join(f"{key} = {_toml(value)}\n" for key, value in row.items())
    (tmp_path / name).write_text(text, encoding="utf-8")
    _, problems = load(tmp_path)
    return [f"{where}: {message}" for where, message in problems]


@pytest.mark.parametrize("table", TABLES)
def test_a_good_row_loads(tmp_path, table) -> None:
    assert _problems(tmp_path, table, {}) == []


GENERIC = [
    ({"colour": "red"}, "unknown key 'colour'"),
    ({"sources": []}, "names no public source"),
    ({"sources": ["x", "x"]}, "sources: lists an entry twice"),
    ({"sources": [" "]}, "must be a non-empty string"),
    ({"confidence": "sure"}, "confidence: Input should be 'high' or 'low'"),
    ({"confidence": "low"}, "a low-confidence row gives its reason"),
]


@pytest.mark.parametrize("table", TABLES)
@pytest.mark.parametrize(("changes", "message"), GENERIC)
def test_every_table_reports_the_same_mistakes_alike(tmp_path, table, changes, message) -> None:
    problems = _problems(tmp_path, table, changes)
    assert any(message in p for p in problems), problems


@pytest.mark.parametrize("table", COUNTRY)
@pytest.mark.parametrize("country", ["China", "cn", "XX", ""])
def test_every_country_is_an_iso_code(tmp_path, table, country) -> None:
    problems = _problems(tmp_path, table, {COUNTRY[table]: country})
    assert any("is not an ISO 3166-1 alpha-2 code" in p for p in problems), problems


@pytest.mark.parametrize("table", LISTS)
def test_a_list_names_each_entry_once(tmp_path, table) -> None:
    entry = TABLES[table][2][LISTS[table]][0]
    problems = _problems(tmp_path, table, {LISTS[table]: [entry, entry]})
    assert any(f"{LISTS[table]}: lists an entry twice" in p for p in problems), problems


def test_a_low_confidence_row_may_rest_on_its_reason_alone(tmp_path) -> None:
    changes = {"sources": [], "confidence": "low", "reason": "seen in one firmware image only"}
    assert _problems(tmp_path, "family", changes) == []


def test_problems_name_the_file_table_and_row(tmp_path) -> None:
    [problem] = _problems(tmp_path, "family", {"colour": "red"})
    assert problem == "sdk/camera.toml [[family]] 1 (example-sdk): unknown key 'colour'"


def test_a_row_that_is_not_a_table_is_reported() -> None:
    problems: list[tuple[str, str]] = []
    assert read_rows(sdk.Family, ["text"], "sdk/t.toml [[family]]", problems) == []
    assert problems == [("sdk/t.toml [[family]] 1", "is not a table")]


SPECIFIC = [
    ("endpoint", {"role": "reference"}, "references belong in [[reference]]"),
    ("endpoint", {"role": "fax"}, "role: Input should be"),
    ("endpoint", {"port": 70000}, "port: Input should be less than 65536"),
    ("endpoint", {"hosts": None, "domains": ["vendor-cam.cn"]}, "a domains row needs examples"),
    (
        "endpoint",
        {"hosts": ["a.vendor-cam.cn"], "domains": ["vendor-cam.cn"]},
        "give either hosts or domains",
    ),
    ("endpoint", {"country": None}, "a row without a country must give its reason"),
    ("endpoint", {"hosts": ["not a host"]}, "'not a host' is not a lower-case host name"),
    ("family", {"prefixes": ["EX_"]}, "prefix 'EX_' is shorter than 4 characters"),
    ("family", {"kind": "radio"}, "kind: Input should be"),
    ("family", {"id": "Example SDK"}, "'Example SDK' must be lower-case words joined by '-'"),
    ("family", {"vendor": ""}, "vendor: must be a non-empty string"),
    ("family", {"symbols": ["A_Init", "A_Init"]}, "symbols: lists an entry twice"),
    ("string", {"examples": ["Server: other"]}, "does not match its example 'Server: other'"),
    ("string", {"benign": ["acme-httpd 2"]}, "matches the look-alike 'acme-httpd 2'"),
    ("string", {"pattern": "("}, "pattern: Input should be a valid regular expression"),
    ("string", {"benign": []}, "benign: must not be empty"),
    ("maker", {"domains": ["Acme.example"]}, "'Acme.example' is not a lower-case host name"),
    ("maker", {"kind": "reseller"}, "kind: Input should be"),
    ("maker", {"parent": "acme-group"}, "parent and relation go together"),
    ("maker", {"models": ["("]}, "models.0: Input should be a valid regular expression"),
    ("maker", {"country": None}, "only a distribution may have no country"),
    ("maker", {"aliases": []}, "aliases: must not be empty"),
]


@pytest.mark.parametrize(("table", "changes", "message"), SPECIFIC)
def test_each_table_reports_its_own_mistakes(tmp_path, table, changes, message) -> None:
    problems = _problems(tmp_path, table, changes)
    assert any(message in p for p in problems), problems
