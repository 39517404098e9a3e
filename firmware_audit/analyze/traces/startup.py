"""What a firmware starts at boot: login services and the vendor's own programs.

Init scripts (`rcS`, `/etc/init.d/*`, `inittab`, `*.sh`, any file starting `#!/bin/sh`) name the
programs a device runs: the vendor's main application (`/usr/bin/sonia`, `/usr/bin/Sofia`), and login
services that let anyone in (`telnetd`, an open remote shell on a camera). Commented lines are left
out. Programs every Linux system has (the BusyBox applets) are not reported.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import TYPE_CHECKING, ClassVar

from firmware_audit.analyze.traces._common import clip, file_name, trace_finding
from firmware_audit.model import Category, Evidence, Location, Severity

if TYPE_CHECKING:
    from collections.abc import Hashable, Iterator

    from firmware_audit.analyze.context import FileContext
    from firmware_audit.extract import Node
    from firmware_audit.model import Finding

RULE = "trace/startup"
MAX_SIZE = 256 * 1024
_LOGIN = re.compile(r"\b(telnetd|utelnetd|dropbear|sshd|rlogind|ftpd|vsftpd|tftpd)\b")
_PROGRAM = re.compile(
    r"(?<![\w/.-])(/(?:usr/(?:local/)?)?s?bin|/mnt/[\w.-]+|/app\w*|/opt/[\w.-]+|/system/bin)/([\w.-]{2,64})"
)
COMMON = frozenset(
    [
        "sh",
        "ash",
        "bash",
        "busybox",
        "mount",
        "umount",
        "echo",
        "cat",
        "mkdir",
        "ln",
        "rm",
        "cp",
        "mv",
        "insmod",
        "rmmod",
        "modprobe",
        "ifconfig",
        "route",
        "udhcpc",
        "udhcpd",
        "syslogd",
        "klogd",
        "hotplug",
        "mdev",
        "getty",
        "init",
        "login",
        "chmod",
        "chown",
        "sleep",
        "kill",
        "killall",
        "ps",
        "sed",
        "grep",
        "awk",
        "hwclock",
        "date",
        "ntpd",
        "ntpclient",
        "crond",
        "telnetd",
        "test",
        "true",
        "false",
        "ls",
        "touch",
        "sync",
        "reboot",
        "halt",
        "poweroff",
        "ip",
        "iptables",
        "brctl",
        "hostname",
        "passwd",
        "dmesg",
        "free",
        "df",
        "du",
        "top",
        "vi",
        "tar",
        "gzip",
        "gunzip",
        "mknod",
        "expr",
        "printf",
        "env",
        "find",
        "xargs",
        "head",
        "tail",
        "cut",
        "sort",
        "uniq",
        "wc",
        "tr",
        "basename",
        "dirname",
        "readlink",
        "usleep",
        "watchdog",
        "ping",
        "wget",
        "inetd",
        "httpd",
        "dhcpcd",
        "wpa_supplicant",
        "hostapd",
        "iwconfig",
        "iwpriv",
        "ifup",
        "ifdown",
        "start-stop-daemon",
        "logger",
        "flash_eraseall",
        "flash_erase",
        "flashcp",
        "nandwrite",
        "mtd_debug",
        "ubiattach",
        "ubimkvol",
        "ubidetach",
        "mount.ubifs",
    ]
)
"""Programs of every Linux system (BusyBox applets and the usual tools): not the vendor's."""
_SCRIPT_NAMES = re.compile(r"rcS|rc\.\w+|inittab|profile|[\w.-]+\.sh|S\d\d[\w.-]+|K\d\d[\w.-]+")


class StartupAnalyzer:
    """Login services and vendor programs that init scripts start."""

    name: ClassVar[str] = "trace-startup"
    version: ClassVar[str] = "1.0"

    def applies_to(self, node: Node) -> bool:
        """Small files: init scripts by their name or place, other shell scripts by their first line."""
        return 0 < node.size <= MAX_SIZE

    def path_key(self, path: str) -> Hashable:
        """Whether the file sits in an `init.d` folder, which makes it an init script by place."""
        return _in_init_d(path)

    def analyze(self, ctx: FileContext) -> Iterator[Finding]:
        """One finding per login service and one per vendor program the script starts."""
        data = ctx.data()
        named = _in_init_d(ctx.node.path) or bool(_SCRIPT_NAMES.fullmatch(file_name(ctx)))
        if b"\x00" in data[:4096] or not (named or (data.startswith(b"#!") and b"sh" in data[:32])):
            return
        services: dict[str, list[tuple[str, int]]] = defaultdict(list)
        programs: dict[str, list[tuple[str, int]]] = defaultdict(list)
        offset = 0
        for raw in data.split(b"\n"):
            line = raw.decode("utf-8", "replace").strip()
            if line and not line.startswith("#"):
                for match in _LOGIN.finditer(line):
                    services[match.group(1)].append((line, offset))
                for match in _PROGRAM.finditer(line):
                    if match.group(2) not in COMMON:
                        programs[match.group()].append((line, offset))
            offset += len(raw) + 1
        for service, found in sorted(services.items()):
            yield _finding(ctx, "login-service", service, found)
        for program, found in sorted(programs.items()):
            yield _finding(ctx, "startup-program", program, found)


def _in_init_d(path: str) -> bool:
    return "/init.d/" in path


def _finding(ctx: FileContext, kind: str, value: str, found: list[tuple[str, int]]) -> Finding:
    login = kind == "login-service"
    title = (
        f"{file_name(ctx)} starts the login service {value}" if login else f"{file_name(ctx)} starts {value}"
    )
    return trace_finding(
        ctx,
        rule=RULE,
        key=f"{kind}\x00{value}",
        kind=kind,
        category=Category.CREDENTIAL if login else Category.REBRANDING,
        title=title,
        detail=title,
        evidence=[
            Evidence(kind="line", value=clip(line, 300), location=Location(path=ctx.node.path, offset=at))
            for line, at in found[:16]
        ],
        severity=Severity.MEDIUM if login and value in {"telnetd", "utelnetd", "rlogind"} else Severity.INFO,
        confidence=0.9,
        offset=found[0][1],
    )
