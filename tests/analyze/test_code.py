import lief
import pytest
from conftest import ROOT

from firmware_audit import unpack
from firmware_audit.analyze import FileContext, code
from firmware_audit.analyze.code import CodeView
from firmware_audit.model import IssueKind

DATA = ROOT / "tests" / "data" / "code"
IMAGES = ROOT / "corpus" / "images"


def _view(data: bytes) -> CodeView:
    view = CodeView.build(data, lief.ELF.parse(list(data)))
    assert view is not None
    return view


def _users(view: CodeView, data: bytes, string: bytes) -> list[str]:
    address = view.address_of(data.index(string))
    assert address is not None
    return [f.label for f in view.referrers(address)]


@pytest.fixture(scope="module")
def corpus():
    trees = {}

    def read(image: str, path: str) -> bytes:
        if image not in trees:
            trees[image] = unpack(IMAGES / image)
        return trees[image].read(path)

    return read


def test_aarch64_adrp_add_pointer_table_and_plt_calls() -> None:
    data = (DATA / "cloud-aarch64").read_bytes()
    view = _view(data)
    assert view.arch == "aarch64"
    assert _users(view, data, b"https://api.vendor-cloud.cn") == ["report_home"]
    assert _users(view, data, b"relay3.vendor-cloud.cn") == ["start_relays"]  # through the pointer table
    assert [(c.function.label if c.function else None) for c in view.callers("printf")] == ["report_home"]
    [report_home] = view.referrers(view.address_of(data.index(b"https://api")) or 0)
    assert view.calls_in(report_home) == ("printf",)


def test_aarch64_pie_stripped_relative_relocations() -> None:
    data = (DATA / "cloud-aarch64-pie-stripped").read_bytes()
    view = _view(data)
    [user] = _users(view, data, b"relay1.vendor-cloud.cn")  # the table holds zeros: RELATIVE relocations
    assert user.startswith("sub_")
    assert [c.function.label for c in view.callers("strlen") if c.function] == [user]


def test_arm_literal_pools_and_tables_in_a_stripped_executable(corpus) -> None:
    data = corpus("01-xm-hi3516ev300-general.bin", "/user-x.cramfs.img!/payload!/bin/Sofia")
    view = _view(data)
    assert view.arch == "arm"
    [main] = _users(view, data, b"http://120.92.92.241/list")
    assert main.startswith("sub_")
    assert _users(view, data, b"pub-cfg.secu100.net") == [main]  # via `cloud_hosts[]`
    [function] = view.referrers(view.address_of(data.index(b"http://120")) or 0)
    assert {"printf", "HI_MPI_SYS_Init"} <= set(view.calls_in(function))


def test_thumb_pic_library_names_exported_functions(corpus) -> None:
    data = corpus("06-sigmastar-tuya-ubi.bin", "/customer!/lib/libtuya_iot.so")
    view = _view(data)
    assert _users(view, data, b"m1.tuyacn.com") == ["tuya_ipc_start_sdk"]
    assert {c.function.label for c in view.callers("printf") if c.function} >= {"tuya_mqtt_init"}


def test_mips_big_endian_got_calls(corpus) -> None:
    data = corpus("08-cs2-pppp.bin", "/ramdisk-1!/payload!/bin/p2pcam")
    view = _view(data)
    assert view.arch == "mips"
    assert _users(view, data, b"ADCBBFAOPP") == ["main"]
    assert [c.function.label for c in view.callers("PPPP_Initialize") if c.function] == ["main"]


def test_mips_little_endian_pic_library(corpus) -> None:
    data = corpus("05-ingenic-tutk.bin", "/0x00020000.jffs2!/lib/libIOTCAPIs.so")
    view = _view(data)
    assert _users(view, data, b"m4.iotcplatform.com") == ["IOTC_Initialize2"]


def test_static_stripped_mips_without_symbols(corpus) -> None:
    data = corpus("05-ingenic-tutk.bin", "/0x00020000.jffs2!/bin/iotc_daemon")
    view = _view(data)
    [user] = _users(view, data, b"50.19.254.134")
    assert user.startswith("sub_")


def test_address_of_unloaded_bytes_is_none() -> None:
    data = (DATA / "cloud-aarch64").read_bytes()
    view = _view(data)
    assert view.address_of(len(data) - 1) is None  # the section header table is not loaded


def test_file_context_sweeps_once_and_reports_a_truncated_sweep(monkeypatch) -> None:
    tree = unpack(IMAGES / "01-xm-hi3516ev300-general.bin")
    ctx = FileContext(tree, tree["/user-x.cramfs.img!/payload!/bin/Sofia"])
    view = ctx.code()
    assert view is not None
    assert ctx.code() is view
    assert ctx.issues == []
    monkeypatch.setattr(code, "MAX_INSTRUCTIONS", 20)
    small = FileContext(tree, tree["/user-x.cramfs.img!/payload!/bin/Sofia"])
    assert small.code() is not None
    assert [i.kind for i in small.issues] == [IssueKind.LIMIT]


def test_not_code_gives_none() -> None:
    tree = unpack(IMAGES / "01-xm-hi3516ev300-general.bin")
    assert FileContext(tree, tree["/romfs-x.cramfs.img!/payload!/etc/passwd"]).code() is None
    module = FileContext(tree, tree["/romfs-x.cramfs.img!/payload!/lib/modules/hi_osal.ko"])
    assert module.code() is None  # relocatable: strings are reached through relocations


def test_calls_of_a_function_in_the_order_of_their_first_call_in_the_file(corpus) -> None:
    data = corpus("08-cs2-pppp.bin", "/ramdisk-1!/payload!/bin/p2pcam")
    view = _view(data)
    [main] = view.referrers(view.address_of(data.index(b"ADCBBFAOPP")) or 0)
    called = view.calls_in(main)
    assert "PPPP_Initialize" in called
    first = [min(c.address for c in view.callers(name)) for name in called]
    assert first == sorted(first)
    assert view.calls_in(main) == called  # asked again: the same answer


def test_an_address_no_code_uses_has_no_referrer(corpus) -> None:
    for image, path in [
        ("08-cs2-pppp.bin", "/ramdisk-1!/payload!/bin/p2pcam"),  # MIPS
        ("01-xm-hi3516ev300-general.bin", "/user-x.cramfs.img!/payload!/bin/Sofia"),  # ARM
    ]:
        view = _view(corpus(image, path))
        header = view.address_of(1)  # inside the ELF identification, which no code reads
        assert header is not None
        assert view.referrers(header) == ()
