import pytest

from firmware_audit.analyze.endpoints import role
from firmware_audit.analyze.endpoints.extract import Candidate, scan
from firmware_audit.model import EndpointKind, EndpointRole
from firmware_audit.signatures.endpoints import endpoint_data

DATA = endpoint_data()


def _candidate(text: str) -> Candidate:
    [c] = scan(text)
    return c


def _role(host: str, *, registered: str | None = None, **clues: object) -> role.Role:
    c = _candidate(host)
    return role.classify(c, role.Clues(**clues), DATA.vendor(c.host.lower()), registered)  # type: ignore[arg-type]


def test_words_split_identifiers() -> None:
    found = role.words("P2PServer ntp1 NetWork.NetDNS MqttHost XQP2P_Initialize")
    assert found[:3] == ["p2p", "server", "ntp"]
    assert found[3:] == ["net", "work", "net", "dns", "mqtt", "host", "xqp2p", "initialize"]


@pytest.mark.parametrize(
    ("host", "clues", "expected", "strength"),
    [
        ("upgrade.secu100.net", {}, EndpointRole.UPDATE, role.Strength.VENDOR_HOST),
        ("api.unknown-vendor.cn", {"decoded": True}, EndpointRole.P2P, role.Strength.DECODED),
        ("a.unknown-vendor.cn", {"before": '"MqttHost": "'}, EndpointRole.MQTT, role.Strength.CONTEXT),
        ("a.unknown-vendor.cn", {"before": "ntpd -p "}, EndpointRole.NTP, role.Strength.CONTEXT),
        ("a.unknown-vendor.cn", {"before": "nameserver "}, EndpointRole.DNS, role.Strength.CONTEXT),
        (
            "a.unknown-vendor.cn",
            {"before": '\t\t"Address": "', "window": '\t"NetWork.NetDNS": {'},
            EndpointRole.DNS,
            role.Strength.CONTEXT,
        ),
        ("a.unknown-vendor.cn", {"function": ("IOTC_Initialize2",)}, EndpointRole.P2P, role.Strength.CODE),
        ("a.unknown-vendor.cn", {"file_name": "ntp.conf"}, EndpointRole.NTP, role.Strength.FILE_NAME),
        ("push.unknown-vendor.cn", {}, EndpointRole.PUSH, role.Strength.HOST_LABEL),
        (
            "a.unknown-vendor.cn",
            {"function": ("sub_10544", "ak_vi_open", "XQP2P_Initialize")},
            EndpointRole.P2P,
            role.Strength.CALLS,
        ),
        ("pub-status.secu100.net", {}, EndpointRole.CLOUD, role.Strength.VENDOR_DOMAIN),
        ("a.unknown-vendor.cn", {}, EndpointRole.UNKNOWN, role.Strength.NONE),
    ],
)
def test_role_evidence_in_order(host, clues, expected, strength) -> None:
    registered = ".".join(host.split(".")[-2:])
    found = _role(host, registered=registered, **clues)
    assert (found.role, found.strength) == (expected, strength)


def test_the_using_functions_generic_calls_do_not_decide() -> None:
    found = _role(
        "push.umeye.cn", registered="umeye.cn", function=("sub_105a4", "printf", "XM_MPI_ISP_SensorRegister")
    )
    assert found.role is EndpointRole.PUSH  # the host label, not 'register' in a call


def test_a_vendor_service_domain_decides_like_a_host() -> None:
    host = "a1x9k2mz3qp.iot-as-mqtt.cn-shanghai.aliyuncs.com"
    found = _role(host, registered="aliyuncs.com", function=("IOT_Linkkit_Connect",))
    assert (found.role, found.strength) == (EndpointRole.MQTT, role.Strength.VENDOR_HOST)


def test_merge_keeps_the_strongest() -> None:
    weak = role.Role(EndpointRole.CLOUD, role.Strength.HOST_LABEL, "label")
    strong = role.Role(EndpointRole.P2P, role.Strength.CONTEXT, "key")
    assert role.merge([weak, strong, weak]) is strong
    assert role.merge([]) is role.UNKNOWN


@pytest.mark.parametrize(
    ("text", "before", "why"),
    [
        ("http://www.w3.org/2003/05/soap-envelope", "", "W3C"),
        ("onvif://www.onvif.org/Profile/Streaming", "", "onvif: URI"),
        ("https://www.gnu.org/licenses/gpl-2.0.html", "", "GNU licence"),
        ("http://www.hikvision.com/ver20/XMLSchema", '<EZVIZ version="2.0" xmlns="', "XML namespace"),
        ("http://vendor.example-cam.cn/ver10/schema.xsd", "", "schema"),
        ("https://tracker.vendor-cam.cn/", "Report bugs to ", "licence or documentation"),
        ("support@vendor-cam.cn", "Contact: ", "contact address"),
        # a sentence asking its reader to write (a Linux kernel's), although it says "email to"
        (
            "linux-mm@kvack.org",
            "If you have one, please send an email to ",
            "contact address",
        ),
        ("bugs@vendor-cam.cn", "Report problems with the mail server to ", "contact address"),
    ],
)
def test_references(text, before, why) -> None:
    reason = role.reference(_candidate(text), role.Clues(before=before), DATA)
    assert reason is not None
    assert why.lower() in reason.lower()


@pytest.mark.parametrize(
    ("text", "before"),
    [
        ("http://logsvr.xmcsrv.net/upload", ""),
        ("http://120.92.92.241/list", ""),
        ("alarm@vendor-cam.cn", "smtp recipient "),
        ("alarm@vendor-cam.cn", "Please check. mail to "),  # the sentence ended: a setting follows
        ("www.hikvision.com", "upgrade server "),
    ],
)
def test_servers_are_not_references(text, before) -> None:
    assert role.reference(_candidate(text), role.Clues(before=before), DATA) is None


def test_email_used_for_alarms_is_push() -> None:
    c = _candidate("alarm@vendor-cam.cn")
    assert c.kind is EndpointKind.EMAIL
    assert role.classify(c, role.Clues(before="smtp "), None, "vendor-cam.cn").role is EndpointRole.PUSH
