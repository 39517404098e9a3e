"""Names built at run time: suffixes, placeholders, scheme-relative URLs and run-in slots, on small files."""

import pytest
from builders import tar_of

from firmware_audit import unpack
from firmware_audit.analyze.endpoints import EndpointAnalyzer
from firmware_audit.analyze.endpoints.extract import scan
from firmware_audit.audit import audit
from firmware_audit.model import EndpointKind, EndpointRole


def _servers(files: dict[str, bytes]) -> dict[str, object]:
    report = audit(unpack(tar_of(files)), analyzers=(EndpointAnalyzer(),), home_country="KR")
    return {
        f.endpoint.host: f
        for f in report.findings
        if f.endpoint and f.endpoint.role is not EndpointRole.REFERENCE
    }


def _pattern(finding) -> str:
    [evidence] = [e for e in finding.evidence if e.kind == "pattern"][:1]
    return evidence.context or ""


@pytest.mark.parametrize(
    ("path", "text", "host", "how"),
    [
        (
            "web/js/ddns.js",
            b'h.$("#postfix").text(".cpplusddns.com");t("http://"+name.val()+".cpplusddns.com")\n',
            "cpplusddns.com",
            "suffix joined to a name",
        ),
        ("bin/ddnsc", b"\x00\x00.dyn.vendor-cloud.cn\x00", "dyn.vendor-cloud.cn", "suffix joined to a name"),
        (
            "web/redirect.htm",
            b'x.href=location.protocol+"//103.224.212.249"}\n',
            "103.224.212.249",
            "page's scheme",
        ),
        ("bin/app", b"\x00GET http://%s.api.vendor-cloud.cn/v1\x00", "api.vendor-cloud.cn", "template %s."),
        (
            "etc/init.sh",
            b'curl "https://${REGION}.iot.vendor-cloud.cn/up"\nhost=${REGION}.mq.vendor-cloud.cn\n',
            "mq.vendor-cloud.cn",
            "template ${REGION}.",
        ),
        ("bin/p2p", b"\x00%s.p2p.vendor-cloud.cn\x00", "p2p.vendor-cloud.cn", "format %s."),
    ],
)
def test_a_name_built_at_run_time_is_an_endpoint_with_its_pattern(path, text, host, how) -> None:
    servers = _servers({path: text})
    assert host in servers, sorted(servers)
    assert how in _pattern(servers[host])


def test_a_templated_url_keeps_its_kind() -> None:
    [candidate] = scan('curl "https://%s.iot.vendor-cloud.cn/up"')
    assert (candidate.kind, candidate.host) == (EndpointKind.URL, "iot.vendor-cloud.cn")
    [candidate] = scan('curl "https://${REGION}.iot.vendor-cloud.cn/up"')
    assert (candidate.host, candidate.built) == (
        "iot.vendor-cloud.cn",
        "a name built at run time from the template ${REGION}.iot.vendor-cloud.cn",
    )


def test_the_suffix_gets_the_country_of_its_service() -> None:
    finding = _servers({"web/ddns.js": b'var s=".cpplusddns.com";\n'})["cpplusddns.com"]
    assert finding.endpoint.country == "IN"
    assert finding.endpoint.role is EndpointRole.DDNS


def test_names_in_fixed_width_slots_are_told_apart() -> None:
    table = b"\x00p2p1.vendor-cloud.cnp2p2.vendor-cloud.cn\x00"
    servers = _servers({"bin/app": table})
    assert {"p2p1.vendor-cloud.cn", "p2p2.vendor-cloud.cn"} <= set(servers)
    assert "run into each other" in _pattern(servers["p2p2.vendor-cloud.cn"])


def test_extensions_and_public_suffixes_are_no_names() -> None:
    assert not _servers({"web/x.js": b'a=".tar.gz";b=".co.uk";c=".min.js";\n'})


def test_a_label_starting_with_a_tld_is_not_a_run_in() -> None:
    assert not [c for c in scan("www.community.org mail.cnn.com a.b.company.net") if c.built]


def test_a_suffix_inside_a_regular_expression_is_not_one() -> None:
    assert scan("a.replace(/(.cpplusddns.com)+/,'')") == []


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ("lib/libx.so", b"\x00.data.rel.ro\x00.rel.text\x00"),  # ELF section names
        ("web/ui.js", b'a.addClass(".u-tab.menu");b.find(".cbi-filebrowser.open")\n'),  # CSS classes
        ("web/ui.css", b"a{float:left;display:none}.ui-video-wrap.show{x:1}\n"),  # a CSS rule, not a template
        ("etc/tr069.xml", b"<p>InternetGatewayDevice.LANDevice.{i}.Hosts.Host.{i}.IPAddress</p>\n"),
        ("bin/player", b"\x00.qt.mov\x00"),  # a file extension
    ],
)
def test_classes_sections_and_paths_are_not_built_names(path: str, text: bytes) -> None:
    assert not _servers({path: text})
