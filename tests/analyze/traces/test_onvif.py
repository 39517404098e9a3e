import pytest
from traces_data import clean_tree, run, run_all

from firmware_audit.analyze.traces import OnvifIdentityAnalyzer

ANALYZER = OnvifIdentityAnalyzer()


def test_device_information_naming_a_maker() -> None:
    response = (
        b"<tds:GetDeviceInformationResponse><tds:Manufacturer>Dahua</tds:Manufacturer>"
        b"<tds:Model>IPC-HFW1230S</tds:Model><tds:FirmwareVersion>2.800.0000000.0.R</tds:FirmwareVersion>"
        b"</tds:GetDeviceInformationResponse>"
    )
    (finding,) = run(ANALYZER, {"onvif/device.xml": response})
    assert (finding.trace.kind, finding.trace.vendor, finding.trace.vendor_country) == (
        "onvif",
        "Dahua",
        "CN",
    )
    assert "Model: IPC-HFW1230S" in finding.trace.detail


def test_scope_naming_a_maker() -> None:
    (finding,) = run(ANALYZER, {"bin/app": b"\x00onvif://www.onvif.org/name/HIKVISION\x00"})
    assert finding.trace.vendor == "Hikvision"


@pytest.mark.parametrize(
    "content",
    [
        b"<tds:Manufacturer>H264</tds:Manufacturer>",  # the unverified Xiongmai string is not used
        b"<Manufacturer>MUSTERCAM</Manufacturer><Model>Dahua-compatible</Model>",  # Model names no maker
        b"onvif://www.onvif.org/hardware/HIKVISION",  # hardware is the model, not the maker
    ],
)
def test_benign_look_alikes(content) -> None:
    assert run(ANALYZER, {"onvif.xml": content}) == []


def test_nothing_in_the_clean_image() -> None:
    assert run_all(ANALYZER, clean_tree()) == []  # onvif://www.onvif.org/name/MUSTERCAM


def test_a_location_scope_is_reported_without_a_maker() -> None:
    config = (
        b'{"Correspondent": {"BrandInfo":"H264", "Scope": ["onvif://www.onvif.org/location/country/china"]}}'
    )
    (finding,) = run(ANALYZER, {"CustomConfig/OEMcfg.custom": config})
    assert (finding.trace.kind, finding.trace.vendor) == ("onvif-location", None)
    assert finding.title == "ONVIF location scope onvif://www.onvif.org/location/country/china"
    assert "BrandInfo: H264" in finding.trace.detail
