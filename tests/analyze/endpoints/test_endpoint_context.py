"""Context decides what is a server: each rule on a small file made here, audited end to end."""

import pytest
from builders import noise as random_bytes
from builders import tar_of

from firmware_audit import unpack
from firmware_audit.analyze.endpoints import EndpointAnalyzer
from firmware_audit.analyze.endpoints.context import Around, FileFacts, noise, reference
from firmware_audit.audit import audit
from firmware_audit.model import EndpointKind, EndpointRole, Severity


def _audit(files: dict[str, bytes]):
    return audit(unpack(tar_of(files)), analyzers=(EndpointAnalyzer(),), home_country="KR")


def _servers(report, host: str) -> list:
    """Findings that judge `host` a server (not a reference)."""
    return [
        f
        for f in report.findings
        if f.endpoint and f.endpoint.host == host and f.endpoint.role is not EndpointRole.REFERENCE
    ]


def _references(report, host: str) -> list[str]:
    return [
        f.title
        for f in report.findings
        if f.endpoint and f.endpoint.host == host and f.endpoint.role is EndpointRole.REFERENCE
    ]


# -- references: real names the firmware only mentions -----------------------------------------------


@pytest.mark.parametrize(
    ("path", "text", "host", "why"),
    [
        ("etc/dnsmasq.opts", b"bogus-nxdomain=64.94.110.11\n", "64.94.110.11", "refuses"),
        ("etc/config/dhcp", b"\tlist bogusnxdomain '67.215.65.132'\n", "67.215.65.132", "refuses"),
        ("etc/config/firewall", b"#\toption dest_ip\t194.25.2.129\n", "194.25.2.129", "commented-out"),
        (
            "etc/udhcpd.conf",
            b'option\t0x08\t01020304\t# cookie server: 131.107.1.10"\n',
            "131.107.1.10",
            "comment",
        ),
        (
            "web/help.htm",
            b"<p>For example, if your WAN address is 202.96.12.8 and the port 8080, enter it.</p>\n",
            "202.96.12.8",
            "example",
        ),
        (
            "web/help2.htm",
            b"<p>For example, if your address is 202.96.12.8\nand the port 8080, enter http://202.96.12.8:8080\n",
            "202.96.12.8",
            "example",
        ),
        (
            "www/dhcp.js",
            b"o=s.option(form.Value,'bogusnx');o.placeholder='67.215.65.132';\n",
            "67.215.65.132",
            "placeholder",
        ),
        ("www/ip.js", b'i.ipfield("value","1.0.0.1"),h.dialog("close")\n', "1.0.0.1", "default value"),
        (
            "etc/protocols",
            b"# [JI6] John Ioannidis  <ji&CS.COLUMBIA.EDU>\n",
            "cs.columbia.edu",
            "standard table",
        ),
        (
            "share/credits.txt",
            b"[BCH2] Barry Howard  <Howard&NMFECC.LLNL.GOV>\n",
            "nmfecc.llnl.gov",
            "credit list",
        ),
        (
            "web/qr.htm",
            b'<a class="store" href="https://itunes.apple.com/us/app/tether">App</a>\n',
            "itunes.apple.com",
            "user's browser",
        ),
        (
            "web/help/DynDdnsHelpRpm.htm",
            b'<p>The Service Provider is <a href="#" onClick="openWindow1();" class=L1>dyn.com</a>.</p>\n',
            "dyn.com",
            "text of a link",
        ),
        (
            "usr/sbin/sshd",
            b"\x00Dropbear SSH client v%s https://matt.ucc.asn.au/dropbear/dropbear.html\x00",
            "matt.ucc.asn.au",
            "banner",
        ),
        (
            "lib/librtmp.so",
            b"\x00accept chunk size %d, @see: https://github.com/ossrs/srs/issues/16\x00",
            "github.com",
            "documentation",
        ),
        # the device's own address (a held-out camera's AP script, its private range mistyped)
        ("etc/ap.sh", b"ifconfig wlan0 192.179.8.1 netmask 255.255.255.0 up\n", "192.179.8.1", "own address"),
        ("etc/net.sh", b"ip addr add 64.12.1.10/24 dev eth0\n", "64.12.1.10", "own address"),
        ("etc/udhcpd.conf", b"start \t\t192.179.8.20\t#default: 192.168.0.20\n", "192.179.8.20", "leases"),
        ("etc/udhcpd.conf", b"end\t\t192.179.8.30\n", "192.179.8.30", "leases"),
        ("etc/ap/dhcp.conf", b"dhcp-range=64.12.1.50,64.12.1.150,12h\n", "64.12.1.50", "leases"),
        ("etc/ap/dhcp.conf", b"dhcp-range=64.12.1.50,64.12.1.150,12h\n", "64.12.1.150", "leases"),
        # a kernel module resolves no names (the MA901 radio driver's string in a held-out T20 kernel)
        ("lib/modules/radio-ma901.ko", b"\x00www.masterkit.ru MA901\x00", "www.masterkit.ru", "kernel"),
        # an Ingenic SDK boot loader's environment (a held-out Xiaomi Dafang's U-Boot): TFTP boot only
        ("u-boot.bin", b"\x00bootdelay=1\x00serverip=193.169.4.2\x00", "193.169.4.2", "boot loader"),
        ("u-boot.bin", b"\x00ipaddr=193.169.4.81\x00", "193.169.4.81", "boot loader"),
        ("etc/upgrade.sh", b"fw_setenv serverip 193.169.4.2\n", "193.169.4.2", "boot loader"),
    ],
)
def test_a_name_only_mentioned_is_a_reference(path: str, text: bytes, host: str, why: str) -> None:
    report = _audit({path: text})
    assert not _servers(report, host)
    titles = _references(report, host)
    assert titles, f"{host} was dropped instead of being reported as a reference"
    assert why in titles[0]
    assert all(f.severity is Severity.INFO for f in report.findings if f.endpoint)


def test_a_host_name_in_a_kernel_image_is_a_reference_and_an_address_is_not() -> None:
    banner = b"Linux version 3.10.14 (builder@host) (gcc version 4.7.2 (Ingenic r2.3.3 2016.12) ) #1\n"
    kernel = bytearray(random_bytes(600_000, seed=21))
    kernel[1000 : 1000 + len(banner)] = banner
    strings = b"\x00www.masterkit.ru MA901\x00nfsroot=203.0.113.9:/srv\x00ip=198.18.7.7\x00"
    kernel[5000 : 5000 + len(strings)] = strings
    report = audit(bytes(kernel), jobs=1)
    assert not _servers(report, "www.masterkit.ru")
    assert "kernel" in _references(report, "www.masterkit.ru")[0]
    # an address is read as before: the kernel's command line can name one (`ip=`, `nfsroot=`)
    assert any(f.endpoint is not None and f.endpoint.host == "198.18.7.7" for f in report.findings)


def test_the_same_address_as_a_setting_is_a_server() -> None:
    report = _audit({"etc/config/dhcp": b"\tlist server '64.94.110.11'\n"})
    [finding] = _servers(report, "64.94.110.11")
    assert finding.severity is Severity.MEDIUM
    # a server the running system updates from is no boot loader default
    report = _audit({"etc/upgrade.conf": b"upgrade_serverip=193.169.4.2\n"})
    assert _servers(report, "193.169.4.2")
    # the DNS server a DHCP server hands out is one its clients reach
    assert _servers(_audit({"etc/udhcpd.conf": b"opt dns 129.219.13.81\n"}), "129.219.13.81")


# -- versions shaped like addresses -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "text", "address"),
    [
        ("bin/app.ver", b"appver=4.36.8.32\n", "4.36.8.32"),
        ("bin/sysversion.txt", b"70.1.2.5\n", "70.1.2.5"),
        ("web/plugin.js", b'n=a.browser.win?"3.0.0.3":"3.0.0.2",o=1;\n', "3.0.0.3"),
        ("bin/ddns", b"\x00<ClientVersion>9.7.3.8</ClientVersion>\x00", "9.7.3.8"),
        ("bin/setup.exe", b'\x00assemblyIdentity version="6.0.0.0" name="Common-Controls"\x00', "6.0.0.0"),
        ("lib/mt_wifi.ko", b"\x004.1.0.0\x00", "4.1.0.0"),
        ("bin/iotc", b"\x00IOTC 3.1.10.7\x00", "3.1.10.7"),
    ],
)
def test_a_version_like_an_address_is_dropped_and_counted(path: str, text: bytes, address: str) -> None:
    report = _audit({path: text})
    assert not [f for f in report.findings if f.endpoint and f.endpoint.host == address]
    assert any(reason.startswith("endpoint: a ") for reason in report.coverage.rejected)


def test_a_resolver_is_kept_although_its_digits_are_small() -> None:
    # 8.8.8.8 is named by the vendor data; 4.2.2.2 stands after an address key
    report = _audit({"etc/resolv.conf": b"nameserver 8.8.8.8\n", "etc/watch.conf": b"pinghost 4.2.2.2\n"})
    assert _servers(report, "8.8.8.8")
    assert _servers(report, "4.2.2.2")


# -- names that are not names --------------------------------------------------------------------------


def test_a_script_expression_is_not_a_host() -> None:
    report = _audit({"web/ethWan.htm": b"<script>function f(val){var objId=val.id;return objId}</script>\n"})
    assert not [f for f in report.findings if f.endpoint]
    assert report.coverage.rejected["endpoint: an expression in a script (unquoted, between operators)"] == 1


def test_a_file_name_with_extension_labels_is_not_a_host() -> None:
    report = _audit({"bin/busybox": b"\x00/lib/modules\x00modules.dep.bb\x00"})
    assert not [f for f in report.findings if f.endpoint]
    assert report.coverage.rejected["endpoint: a file name (its labels are file extensions)"] == 1


def test_random_bytes_ending_in_a_country_tld_are_not_a_host() -> None:
    # A short printable run in binary data that is not NUL-terminated: chance, not a string.
    blob = b"\x93\x11\xfeqzkv.bn\xc7\x02\x00" + b"\x00ok.vendor-cloud.bn\x00"
    report = _audit({"bin/blob": blob})
    hosts = {f.endpoint.host for f in report.findings if f.endpoint}
    assert hosts == {"ok.vendor-cloud.bn"}
    assert report.coverage.rejected["endpoint: not a C string in binary data (random bytes)"] == 1


def test_a_mixed_case_scheme_in_packed_script_is_not_a_url() -> None:
    report = _audit({"web/m.jsp": b"k(8A=='5Q')?'bQ://bK.bM.bN':1;\n"})
    assert not [f for f in report.findings if f.endpoint]


# -- the rules alone -------------------------------------------------------------------------------------


def test_file_facts() -> None:
    assert FileFacts("/etc/protocols", is_text=True).is_standard_table
    assert not FileFacts("/usr/share/protocols", is_text=True).is_standard_table
    assert FileFacts("/web/js/ddns.js", is_text=True).is_web
    assert not FileFacts("/web/js/ddns.js", is_text=False).is_web
    assert FileFacts("/usr/app.ver", is_text=True).holds_version
    assert FileFacts("/system/bin/sysversion.txt", is_text=True).holds_version


def test_a_c_string_in_binary_data_is_kept() -> None:
    facts = FileFacts("/bin/app", is_text=False)
    assert noise(EndpointKind.HOSTNAME, "abc.cn", Around(end="\x00", run=6), facts) is None
    assert noise(EndpointKind.HOSTNAME, "abc.cn", Around(end="\x9c", run=6), facts) is not None
    # a URL or a long run is not held to it
    assert noise(EndpointKind.URL, "abc.cn", Around(end="\x9c", run=6), facts) is None
    assert noise(EndpointKind.HOSTNAME, "abc.cn", Around(end="\x9c", run=80), facts) is None


def test_a_setting_is_not_a_reference() -> None:
    facts = FileFacts("/etc/ntp.conf", is_text=True)
    assert reference(EndpointKind.HOSTNAME, Around(before="server "), facts) is None
    assert reference(EndpointKind.HOSTNAME, Around(before="# server "), facts) is not None


def test_a_dnsmasq_upstream_resolver_is_a_server_and_a_domain_rule_an_override() -> None:
    config = b"server=64.12.1.50\nserver=8.8.4.4#53\nserver=/lan/10.0.0.1\naddress=/ads.example.net/0.0.0.0\n"
    report = _audit({"etc/dnsmasq.conf": config})
    assert _servers(report, "64.12.1.50")
    assert _servers(report, "8.8.4.4")
    # the domain rules are read as overrides, as before: no server of their own target
    assert not [f for f in report.findings if f.endpoint is not None and f.endpoint.host == "10.0.0.1"]
