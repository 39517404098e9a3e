from builders import tar_of
from conftest import DATA
from traces_data import run

from firmware_audit.analyze import FileContext
from firmware_audit.analyze.traces import DistributionAnalyzer, ProductModelAnalyzer, VendorNodeAnalyzer
from firmware_audit.analyze.traces.nodes import MAX_NAMES
from firmware_audit.extract import unpack
from firmware_audit.model import IssueKind
from firmware_audit.signatures.catalogue import catalogue


def test_vendor_nodes_and_standard_ones() -> None:
    script = (
        b"cat /proc/dahua/bootpara\ncat /proc/cpuinfo\necho 1 > /dev/xm_watchdog\n"
        b"cat /dev/mtd_x /proc/umap/vi\n"
    )
    found = {f.title: f for f in run(VendorNodeAnalyzer(), {"etc/init.d/rcS": script})}
    assert set(found) == {
        "kernel node /proc/dahua named after Dahua",
        "kernel node /dev/xm",
        "kernel node /proc/umap",
    }
    assert found["kernel node /proc/dahua named after Dahua"].trace.vendor == "Dahua"
    assert found["kernel node /proc/umap"].trace.vendor is None


def test_a_distribution_release_file() -> None:
    release = b"DISTRIB_ID='OpenWrt'\nDISTRIB_RELEASE='19.07.10'\nDISTRIB_REVISION='r11427-9ce6aa9d8d'\n"
    (found,) = run(DistributionAnalyzer(), {"etc/openwrt_release": release})
    assert (found.trace.kind, found.trace.vendor) == ("distribution", "OpenWrt")
    assert found.title == "distribution OpenWrt 19.07.10 r11427-9ce6aa9d8d"
    assert any("DISTRIB_ID='OpenWrt'" in e.value for e in found.evidence)
    other = b'NAME="Debian GNU/Linux"\nVERSION_ID="12"\n'
    (debian,) = run(DistributionAnalyzer(), {"etc/os-release": other})
    assert debian.trace.vendor is None


def test_model_numbers_of_known_makers() -> None:
    manifest = b'{ "Devices" : [ "SD6XXX", "IPC-HX3XXX", "IPC-HX4XXX" ], "Vendor" : "General" }'
    (found,) = run(ProductModelAnalyzer(), {"Install": manifest})
    assert found.trace.vendor == "Dahua"
    assert "IPC-HX4XXX" in found.title
    assert run(ProductModelAnalyzer(), {"x.txt": b"jenkins-IPC_DH3.X1002_HDCameraS2LM-642 IPC-1 DS-X"}) == []


def test_a_model_number_in_a_device_tree_names_the_board_and_decides_nothing() -> None:
    # OpenWrt's build for a TP-Link router boots with TP-Link's board in its device tree: the
    # hardware it runs on, which says nothing of who built the firmware.
    (board,) = run(ProductModelAnalyzer(), {"router.dtb": (DATA / "archive" / "router.dtb").read_bytes()})
    assert (board.trace.kind, board.trace.vendor) == ("board-model", "TP-Link")
    assert board.title == "TP-Link board in a device tree: TL-WR841N"
    assert not catalogue().evidence["trace:board-model"].specific
    assert catalogue().evidence["trace:product-model"].specific


def test_node_names_past_max_names_are_counted_in_an_issue() -> None:
    script = b"\n".join(b"cat /proc/vendor%03d/state" % i for i in range(MAX_NAMES + 2))
    tree = unpack(tar_of({"etc/init.d/rcS": script}))
    ctx = FileContext(tree, tree["/etc/init.d/rcS"])
    assert len(list(VendorNodeAnalyzer().analyze(ctx))) == MAX_NAMES
    assert [(i.kind, i.message) for i in ctx.issues] == [
        (
            IssueKind.LIMIT,
            f"vendor nodes: {MAX_NAMES + 2} node names, the first {MAX_NAMES} reported, 2 left out",
        )
    ]
