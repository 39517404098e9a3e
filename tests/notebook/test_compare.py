"""Two images side by side: files by content, servers, SDK families and traces."""

import io
import tarfile

import pytest
from corpus_audits import CORPUS, IMAGES, REBRANDED, XIONGMAI, audited

from firmware_audit.notebook import compare
from firmware_audit.notebook.compare import SECTIONS


def _tar(members):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size, info.mtime = len(data), 0
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


BINARY = b"\x7fELF" + bytes(range(256)) * 4
CONFIG = b"server=cloud.example-vendor.cn\n"


def test_files_are_matched_by_content_wherever_they_are():
    a = _tar({"bin/app": BINARY, "etc/app.conf": CONFIG, "etc/empty": b""})
    b = _tar({"usr/bin/renamed": BINARY, "etc/app.conf": CONFIG + b"brand=MUSTERCAM\n", "etc/new": b"x" * 40})
    result = compare(a, b)
    assert result.files is not None
    by_presence = {p: [(f.a, f.b) for f in result.files if f.presence == p] for p in ("both", "a", "b")}
    assert by_presence["both"] == [(("/bin/app",), ("/usr/bin/renamed",))]  # moved and renamed: still shared
    assert by_presence["a"] == [(("/etc/app.conf",), ())]
    assert sorted(by_presence["b"]) == [((), ("/etc/app.conf",)), ((), ("/etc/new",))]
    assert result.changed == ("/etc/app.conf",)  # same path, other bytes
    assert result.file_similarity == pytest.approx(1 / 4)  # empty files are not compared
    files = result.frame("files")
    assert list(files.columns) == ["sha256", "size", "presence", "a", "b"]
    assert len(files) == 4


def test_the_rebranded_image_against_the_vendors():
    xiongmai = audited(XIONGMAI)
    rebranded = audited(REBRANDED)
    result = compare(xiongmai, rebranded)
    assert (result.a.name, result.b.name) == ("01-xm-hi3516ev300-general.bin", "12-rebranded.bin")
    endpoints = {m.key: m for m in result.endpoints}
    assert "pub-cfg.secu100.net" in endpoints
    assert {m.presence for m in result.endpoints} == {"both"}  # every server of the vendor is in both
    assert endpoints["pub-cfg.secu100.net"].label == "cloud, CN, Xiongmai"
    assert endpoints["pub-cfg.secu100.net"].b == ("/user-x.cramfs.img!/payload!/bin/Sofia",)
    sdks = {m.key: m.presence for m in result.sdks}
    assert sdks == {"xiongmai-sofia": "both", "hisilicon-mpp": "a", "xiongmai-xm530": "b"}
    traces = {m.key: m.presence for m in result.traces}
    assert traces["kernel-module: xm530_isp.ko"] == "b"
    assert traces["chip-string: HI3516EV300"] == "a"
    shared = {path for f in result.files if f.presence == "both" for path in f.a}
    assert "/InstallDesc" in shared
    assert "/web-x.cramfs.img!/payload!/js/SimpChinese.js" in shared  # the Chinese language pack
    assert "/user-x.cramfs.img!/payload!/bin/Sofia" in result.changed
    assert 0 < result.file_similarity < 1
    facts = {fact: (a, b) for fact, a, b in result.verdicts()}
    assert facts["SoC"] == ("HiSilicon Hi3516EV300", "Xiongmai XM530")
    assert facts["decision"] == ("reject", "reject")
    summary = result.summary()
    assert list(summary.index) == list(SECTIONS)
    assert summary.loc["endpoints", "both"] == len(result.endpoints)
    assert summary.loc["sdks"].tolist() == [1, 1, 1]


def test_an_image_equals_itself():
    xiongmai = audited(XIONGMAI)
    result = compare(xiongmai, xiongmai)
    for section in SECTIONS:
        assert result.count(section, "a") == result.count(section, "b") == 0
        assert result.count(section, "both") > 0
    assert result.file_similarity == 1.0
    assert result.changed == ()


def test_reports_alone_compare_everything_but_files():
    xiongmai = audited(XIONGMAI)
    rebranded = audited(REBRANDED)
    result = compare(xiongmai[1], rebranded[1])
    assert result.files is None
    assert result.file_similarity is None
    assert result.count("files", "both") == 0
    assert len(result.endpoints) == 15
    assert "not compared" in result._repr_html_()


def test_images_are_unpacked_and_audited_with_the_policy():
    xiongmai = audited(XIONGMAI)
    result = compare(
        IMAGES / "01-xm-hi3516ev300-general.bin", xiongmai[0], policy=CORPUS / "policy-example.toml"
    )
    assert result.a.tree is not None
    assert result.a.report.decision is not None
    assert result.a.report.findings == xiongmai[1].findings  # graded against the policy's home country
    assert result.b.report.decision == xiongmai[1].decision
    assert result.file_similarity == 1.0
