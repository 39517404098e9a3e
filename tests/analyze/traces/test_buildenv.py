import io
import tarfile

from builders import gz, noise, tar_of, uimage
from traces_data import run

import firmware_audit
from firmware_audit.analyze import FileContext
from firmware_audit.analyze.traces import BuildEnvironmentAnalyzer
from firmware_audit.analyze.traces.buildenv import MAX_HITS
from firmware_audit.extract import unpack
from firmware_audit.model import IssueKind

ANALYZER = BuildEnvironmentAnalyzer()


def _values(findings) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for f in findings:
        found.setdefault(f.trace.kind, set()).add(f.title)
    return found


def test_compilers_banners_users_and_jobs_in_a_program() -> None:
    program = (
        b"\x7fELF\x00GCC: (crosstool-NG - Ambarella Linaro Multilib GCC [CortexA9 & ARMv6k] 2014.06) "
        b"4.9.1\x00"
        b"BusyBox v1.18.4 (2015-10-21 12:02:45 CST)\x00"
        b"/home/dengyibao/share/sdk/3518e_a0/Hi3518_SDK_V1.0.A.0//mpp2/lib/libmpi.so\x00"
        b"U-Boot 2010.06-svn3112 (Jul 28 2016 - 03:43:43)\x00jenkins-IPC_DH3.X1002_HDCameraS2LM-642\x00"
    )
    found = _values(run(ANALYZER, {"bin/app": program}))
    assert any("Ambarella Linaro" in t for t in found["compiler"])
    assert any("2015-10-21 12:02:45 CST" in t for t in found["build-banner"])
    assert any("U-Boot 2010.06-svn3112" in t for t in found["build-banner"])
    assert found["build-user"] == {"build user dengyibao"}
    assert found["build-job"] == {"build job jenkins-IPC_DH3.X1002_HDCameraS2LM-642"}


def test_script_authors_and_generic_users() -> None:
    script = b"#!/bin/sh\n# added by yangcaiyong\n# created by root\ncat /home/root/x\n"
    assert _values(run(ANALYZER, {"etc/rcS": script})) == {"build-user": {"build user yangcaiyong"}}


def test_svn_leftovers_give_the_repository_and_its_author() -> None:
    entries = b"10\n\ndir\n10618\nhttp://10.6.5.2/svn/DVR_packshop/src\nhttp://10.6.5.2/svn/DVR_packshop\n\n\n\n2015-11-11T02:33:21.521110Z\n9808\nfang_qipin\n\n"
    found = _values(run(ANALYZER, {"etc/init.d/.svn/entries": entries}))
    assert "version-control leftover author fang_qipin" in found["vcs"]
    assert "version-control leftover http://10.6.5.2/svn/DVR_packshop/src" in found["vcs"]


def test_a_kernel_release_from_a_module_path() -> None:
    found = _values(run(ANALYZER, {"lib/modules/3.10.14__isvp_swan_1.0__/tx-isp.ko": b"\x00\x01\x02"}))
    assert found["kernel-release"] == {"kernel release 3.10.14__isvp_swan_1.0__"}


def _tree_of(entries: list[tarfile.TarInfo], files: dict[str, bytes]) -> bytes:
    """A ustar archive of folders and links (`entries`) and of files."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.USTAR_FORMAT) as archive:
        for info in entries:
            archive.addfile(info)
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return out.getvalue()


def _entry(name: str, kind: bytes, link: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname, info.mode = kind, link, 0o755
    return info


def _releases(report) -> list[tuple[str, tuple[str, ...], tuple[str, ...]]]:
    return [
        (f.title, tuple(loc.path for loc in f.locations), tuple(e.context or "" for e in f.evidence))
        for f in report.findings
        if f.trace is not None and f.trace.kind == "kernel-release"
    ]


def test_a_module_folder_that_is_a_link_or_empty_names_its_kernel_release() -> None:
    # Cameras keep their modules on another partition and link the folder there (a Wyze Cam v3 root
    # filesystem: /lib/modules/3.10.14__isvp_swan_1.0__ -> /system/lib/modules): no file's path
    # names the release.
    image = _tree_of(
        [
            _entry("lib/modules/3.10.14__isvp_swan_1.0__", tarfile.SYMTYPE, "/system/lib/modules"),
            _entry("old/lib/modules/2.6.35", tarfile.DIRTYPE),
            _entry("usr/lib/modules/4.9.84", tarfile.DIRTYPE),
        ],
        {"usr/lib/modules/4.9.84/kernel/tx-isp.ko": b"\x7fELF\x01"},
    )
    found = sorted(_releases(firmware_audit.audit(image, analyzers=[ANALYZER])))
    assert found == [
        ("kernel release 2.6.35", ("/old/lib/modules/2.6.35",), ("a folder that holds no file",)),
        (
            "kernel release 3.10.14__isvp_swan_1.0__",
            ("/lib/modules/3.10.14__isvp_swan_1.0__",),
            ("a symbolic link to /system/lib/modules",),
        ),
        # a folder that holds a file: the file's path names the release, the folder adds nothing
        ("kernel release 4.9.84", ("/usr/lib/modules/4.9.84/kernel/tx-isp.ko",), ("",)),
    ]


def test_module_folders_give_at_most_max_hits_findings() -> None:
    # a hostile archive of many empty module folders, each of another release
    folders = [_entry(f"d{i:03d}/lib/modules/3.{i}", tarfile.DIRTYPE) for i in range(3 * MAX_HITS)]
    tree = unpack(_tree_of(folders, {}))
    issues: list = []
    found = list(ANALYZER.analyze_entries(tree, issues))
    assert [f.location.path for f in found] == [f"/d{i:03d}/lib/modules/3.{i}" for i in range(MAX_HITS)]
    assert [(i.kind, i.location.path, i.message) for i in issues] == [
        (
            IssueKind.LIMIT,
            f"/d{MAX_HITS:03d}/lib/modules/3.{MAX_HITS}",
            (
                f"build environment: {3 * MAX_HITS} module folders that name a kernel release, "
                f"the first {MAX_HITS} reported, {2 * MAX_HITS} left out"
            ),
        )
    ]


def test_an_analyzer_failing_on_the_folders_is_an_issue_and_the_audit_goes_on(monkeypatch) -> None:
    def broken(_tree, _issues):
        raise RuntimeError("no")

    monkeypatch.setattr(ANALYZER, "analyze_entries", broken)
    report = firmware_audit.audit(
        _tree_of([], {"bin/app": b"GCC: (Buildroot 2012.02) 4.4.0"}), analyzers=[ANALYZER]
    )
    assert [f.trace.kind for f in report.findings] == ["compiler"]
    assert [(i.location.path, i.message) for i in report.issues if i.kind == "analyzer-error"] == [
        ("", f"analyzer {ANALYZER.name} {ANALYZER.version} failed: RuntimeError: no")
    ]


def test_a_user_named_like_a_maker_is_its_build_host() -> None:
    banner = b"Linux version 3.10.14 (hikvision@build-server) (gcc version 4.7.2) #1 PREEMPT\x00"
    found = run(ANALYZER, {"Image": b"\x00\x00" + banner})
    hosts = [f for f in found if f.trace.kind == "build-host"]
    assert [f.trace.vendor for f in hosts] == ["Hikvision"]


def test_a_kernel_is_read_for_its_own_bytes_and_what_it_embeds_once() -> None:
    # A kernel uImage whose kernel embeds its initramfs: the banner is the kernel's; the initramfs's
    # compiler banner is its file's alone (blanked in the kernel, not found there a second time).
    banner = b"Linux version 3.10.14 (t31@mips-development) (gcc version 4.7.2) #1 PREEMPT Mon Jan 1\n"
    initramfs = tar_of({"bin/app": b"\x00GCC: (Buildroot 2012.02) 4.4.0\x00"})
    kernel = bytearray(noise(600 * 1024, seed=21))
    kernel[1000 : 1000 + len(banner)] = banner
    kernel[300_000 : 300_000 + len(initramfs)] = initramfs
    report = firmware_audit.audit(uimage(gz(bytes(kernel)), comp=1), analyzers=[ANALYZER])
    found = {f.trace.kind: [loc.path for loc in f.locations] for f in report.findings}
    assert found["build-banner"] == ["/payload!/payload"]
    assert found["compiler"] == ["/payload!/payload!/0x000493e0.tar!/bin/app"]
    assert report.coverage.explained_ratio == 1.0


def test_values_past_max_hits_in_a_file_are_counted_in_an_issue() -> None:
    users = b"\0".join(b"/home/builder%03d/sdk/lib/x.c" % i for i in range(MAX_HITS + 5))
    tree = unpack(_tree_of([], {"bin/app": users}))
    ctx = FileContext(tree, tree["/bin/app"])
    found = [f for f in ANALYZER.analyze(ctx) if f.trace.kind == "build-user"]
    assert len(found) == MAX_HITS
    assert [(i.kind, i.message) for i in ctx.issues] == [
        (
            IssueKind.LIMIT,
            f"build environment: {MAX_HITS + 5} build-user values, the first {MAX_HITS} reported, 5 left out",
        )
    ]
