import hashlib
import re
import tomllib

import pytest
from corpus_data import CORPUS, ENTRIES, IMAGES, MANIFEST, entry, params

from firmware_audit import unpack
from firmware_audit.extract.formats import HANDLERS
from firmware_audit.model import EndpointRole, Outcome, SdkKind
from firmware_audit.p2p import cs2, ilnk

REGISTERED = {handler.name for handler in HANDLERS}
NUMBERS = [f"{n:02d}" for n in range(1, 13)]


@pytest.fixture(scope="module")
def trees():
    cache = {}

    def tree(e):
        if e["file"] not in cache:
            cache[e["file"]] = unpack(IMAGES / e["file"])
        return cache[e["file"]]

    return tree


def test_every_image_of_the_issue_is_there_and_described():
    assert [e["file"][:2] for e in ENTRIES] == NUMBERS
    committed = sorted(p.name for p in IMAGES.iterdir())
    described = sorted([e["file"] for e in ENTRIES] + [e["submission"] for e in ENTRIES if "submission" in e])
    assert committed == described
    assert sum(p.stat().st_size for p in IMAGES.iterdir()) < 60 * 2**20


@pytest.mark.parametrize("e", params())
def test_image_matches_its_hash(e):
    data = (IMAGES / e["file"]).read_bytes()
    assert hashlib.sha256(data).hexdigest() == e["sha256"]


@pytest.mark.parametrize("e", params())
def test_ground_truth_is_well_formed(e):
    assert e["imitates"]
    assert e["format"]
    assert Outcome(e["decision"])
    assert e["decision_reasons"]
    assert all(isinstance(name, str) and name for name in e["handlers"])
    assert bool(e["handlers"]) == bool(e["files"])
    for endpoint in e.get("endpoints", ()):
        assert EndpointRole(endpoint["role"]) is not EndpointRole.REFERENCE
        assert re.fullmatch(r"[A-Z]{2}", endpoint["country"])
        assert endpoint["source"]
    for sdk in e.get("sdk", ()):
        assert SdkKind(sdk["kind"])
        assert sdk["source"]
    for trace in e.get("traces", ()):
        assert trace["value"]
        assert trace["source"]


@pytest.mark.parametrize("e", params())
def test_listed_files_are_found(e, trees):
    assert sorted(set(e["handlers"]) - REGISTERED) == [], (
        "the manifest names handlers that are not registered"
    )
    tree = trees(e)
    assert [path for path in e["files"] if path not in tree] == []
    for path in e["files"]:
        if tree[path].is_file:
            assert tree.read(path, 1) or tree[path].size == 0


@pytest.mark.parametrize("e", params())
def test_sdk_and_trace_files_are_listed_files(e):
    listed = set(e["files"])
    for sdk in e.get("sdk", ()):
        assert set(sdk["files"]) <= listed, sdk["family"]
    for trace in e.get("traces", ()):
        assert trace["file"] in listed, trace["value"]


@pytest.mark.parametrize("e", [pytest.param(e, id=e["file"]) for e in ENTRIES if e.get("traces")])
def test_trace_values_are_in_their_files(e, trees):
    tree = trees(e)
    for trace in e["traces"]:
        path = trace["file"]
        if not tree[path].is_file:
            continue
        assert trace["value"].encode() in tree.read(path) or trace["value"] in path, (path, trace["value"])


def test_encrypted_image_is_mostly_unexplained(trees):
    e = entry("11")
    tree = trees(e)
    assert e["unverifiable"] is True
    assert tree.coverage.explained_ratio < e["max_explained_ratio"] == 0.5
    assert (IMAGES / e["file"]).read_bytes()[:8] == b"Salted__"


def test_submission_declares_what_the_manifest_says():
    e = entry("12")
    submission = tomllib.loads((IMAGES / e["submission"]).read_text(encoding="utf-8"))
    assert {k: submission[k] for k in ("vendor", "model", "country")} == e["declared"]
    assert submission["firmware"] == e["file"]


def _strings(tree):
    return b"\n".join(tree.read(n) for n in tree.files() if n.withheld is None)


def test_cs2_servers_are_only_in_the_init_string(trees):
    e = entry("08")
    tree = trees(e)
    hosts = [endpoint["host"] for endpoint in e["endpoints"]]
    blob = _strings(tree)
    assert not [h for h in hosts if h.encode() in blob]
    found = {
        m.decode()
        for m in re.findall(rb"[A-P]{40,}(?::[!-~]+)?", tree.read("/ramdisk-1!/payload!/bin/p2pcam"))
    }
    assert [cs2.decode(s) for s in found] == [hosts]


def test_ilnk_servers_are_only_in_the_init_string(trees):
    e = entry("07")
    tree = trees(e)
    hosts = [endpoint["host"] for endpoint in e["endpoints"]]
    blob = _strings(tree)
    assert not [h for h in hosts if h.encode() in blob]
    found = {m.decode() for m in re.findall(rb"[A-Z]{40,}-\$\$", tree.read("/usr.sqsh4!/bin/anyka_ipc"))}
    assert [ilnk.decode(s) for s in found] == [hosts]


def test_clean_image_has_no_foreign_endpoint_in_its_truth():
    e = entry("10")
    assert e.get("endpoints", []) == []
    assert e["decision"] == "accept"
    assert e["references"]


def test_policy_example_states_the_buyers_intent():
    policy = tomllib.loads((CORPUS / MANIFEST["policy"]).read_text(encoding="utf-8"))
    assert policy["home_country"] in policy["allowed_countries"]
    for key in ("on_foreign_endpoint", "on_unverifiable", "on_contradiction", "on_banned_vendor"):
        assert Outcome(policy[key])
    assert {"Hikvision", "Dahua"} <= set(policy["banned_vendors"])
    assert policy["min_severity"] in {"info", "low", "medium", "high", "critical"}
