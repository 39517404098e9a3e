import pytest
from builders import tar_of
from traces_data import run

from firmware_audit.analyze import FileContext
from firmware_audit.analyze.traces import AccountDatabaseAnalyzer
from firmware_audit.analyze.traces.passwd import MAX_LINES
from firmware_audit.extract import unpack
from firmware_audit.model import Category, IssueKind, Severity

ANALYZER = AccountDatabaseAnalyzer()


def test_published_hash_names_the_firmware_family_and_its_password() -> None:
    (finding,) = run(ANALYZER, {"etc/passwd": b"root:absxcfbgXtb3o:0:0:root:/:/bin/sh\n"})
    assert finding.category is Category.CREDENTIAL
    assert finding.severity is Severity.HIGH
    assert (finding.trace.kind, finding.trace.vendor, finding.trace.vendor_country) == (
        "credential-hash",
        "Xiongmai",
        "CN",
    )
    assert "'xc3511'" in finding.trace.detail
    assert finding.evidence[1].value == "root:absxcfbgXtb3o:0:0:root:/:/bin/sh"
    assert "OpenIPC/wiki:en/research-security.md" in finding.evidence[0].context


def test_md5_crypt_hash_in_shadow_and_an_unattributed_family() -> None:
    shadow = b"root:$1$RYIwEiRA$d5iRRVQ5ZeRTrJwGjRy.B0:18000:0:99999:7:::\nadmin:7wtxBdUGBnuoY:1::::::\n"
    found = {f.trace.detail.split(" ")[0]: f for f in run(ANALYZER, {"etc/shadow": shadow})}
    assert found["root"].trace.vendor == "Xiongmai"
    assert found["admin"].trace.vendor is None  # the source names only "Chinese camera families"
    assert found["admin"].trace.vendor_country == "CN"
    assert "a Chinese camera firmware family" in found["admin"].title


@pytest.mark.parametrize(
    "line",
    [
        b"root:x:0:0:root:/root:/bin/sh",  # in shadow
        b"root:*:0:0:root:/root:/bin/sh",  # locked
        b"# root:absxcfbgXtb3o:0:0:root:/:/bin/sh",  # a comment
        b"daemon:absxcfbgXtb3o",  # too few fields for passwd
    ],
)
def test_benign_look_alikes_are_not_traces(line) -> None:
    assert run(ANALYZER, {"etc/passwd": line + b"\n"}) == []


@pytest.mark.parametrize(
    "line",
    [
        b"root:$1$Kq3vX8sZ$o61CKqGXomYP8MAnhhhMC.:0:0:root:/root:/bin/sh",  # no published password
        b"root:ABSXCFBGXTB3O:0:0:root:/:/bin/sh",  # DES crypt is case-sensitive
    ],
)
def test_a_hash_of_no_published_password_is_reported_as_it_is(line) -> None:
    (found,) = run(ANALYZER, {"etc/passwd": line + b"\n"})
    assert found.trace.kind == "password-hash"
    assert found.trace.vendor is None
    assert found.severity is Severity.INFO


# made with: openssl passwd -1 -salt jSqQv.uP vizxv ; openssl passwd -6 -salt wyzecamv3 xmhdipc
@pytest.mark.parametrize(
    ("field", "password", "vendor"),
    [
        (b"$1$jSqQv.uP$jgz4lwEx2pnDh4QwXkh06/", "vizxv", "Dahua"),
        (
            b"$6$wyzecamv3$lw8iJAWT0JaGmXRmaFAlVqGABrF7x4yMhn9mCyhMcXXD9C2vaXUDOrcZSvWYlS1x3Pw7bV3Ug8AKqrnKpdFZe.",
            "xmhdipc",
            "Xiongmai",
        ),
    ],
)
def test_a_published_default_password_is_found_offline(field: bytes, password: str, vendor: str) -> None:
    (found,) = run(ANALYZER, {"etc/shadow": b"root:" + field + b":18000:0:99999:7:::\n"})
    assert found.rule == "credential/published-password"
    assert found.trace.vendor == vendor
    assert repr(password) in found.title
    assert found.severity is Severity.HIGH


def test_empty_password_is_reported_without_a_vendor() -> None:
    findings = run(ANALYZER, {"etc/passwd": b"root::0:0:root:/root:/bin/sh\nguest::1000:1000::/:/bin/sh\n"})
    by_user = {f.title.split(" ")[0]: f for f in findings}
    assert by_user["root"].trace.kind == "no-password"
    assert by_user["root"].severity is Severity.HIGH
    assert by_user["guest"].severity is Severity.MEDIUM
    assert by_user["root"].trace.vendor is None


def test_vendor_shell_and_hash_on_one_line_are_two_findings() -> None:
    findings = run(ANALYZER, {"etc/passwd": b"root:ToCOv8qxP13qs:0:0:root:/root/:/bin/psh\n"})
    assert {(f.trace.kind, f.trace.vendor) for f in findings} == {
        ("credential-hash", "Hikvision"),
        ("restricted-shell", "Hikvision"),
    }


def test_only_account_databases_are_read() -> None:
    assert run(ANALYZER, {"etc/passwd.txt": b"root:absxcfbgXtb3o:0:0:root:/:/bin/sh\n"}) == []


def test_lines_past_max_lines_are_counted_in_an_issue() -> None:
    lines = b"".join(b"u%d:x:1:1::/:/bin/false\n" % i for i in range(MAX_LINES + 9))
    tree = unpack(tar_of({"etc/passwd": lines}))
    ctx = FileContext(tree, tree["/etc/passwd"])
    list(ANALYZER.analyze(ctx))
    # the last line break leaves an empty line after it: 10 lines past the limit
    assert [(i.kind, i.message) for i in ctx.issues] == [
        (
            IssueKind.LIMIT,
            f"account database: {MAX_LINES + 10} lines, the first {MAX_LINES} read, 10 left out",
        )
    ]
