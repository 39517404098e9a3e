"""Acceptance policy: the buyer's rules, read from TOML, and the decision they give for one report.

A policy names the buyer's home country, the countries its cameras may contact and whose makers may
build them, the vendors it may not buy from, what to do with each kind of problem (`accept`, `review`
or `reject`) and the severity below which findings do not count. `decide()` applies it to a report and
gives the worst outcome any rule asks for, with one reason per rule that fired, each citing the ids of
the findings behind it. See `corpus/policy-example.toml` for a commented example.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from firmware_audit.model import Decision, EndpointRole, Outcome, Severity

if TYPE_CHECKING:
    import os
    from collections.abc import Iterable, Mapping

    from firmware_audit.model import Finding, Report

_OUTCOME_ORDER = (Outcome.ACCEPT, Outcome.REVIEW, Outcome.REJECT)
_COUNTRY = re.compile(r"[A-Z]{2}")
_MAX_CITED = 12
"""A reason lists at most this many findings by value; every id is cited all the same."""


class PolicyError(ValueError):
    """A policy file that cannot be used; the message names the file, the key and what is allowed."""


def worst(outcomes: Iterable[Outcome]) -> Outcome:
    """The strictest of some outcomes (reject over review over accept); accept when there are none."""
    return max(outcomes, key=_OUTCOME_ORDER.index, default=Outcome.ACCEPT)


@dataclass(frozen=True, slots=True)
class Policy:
    """A buyer's acceptance rules.

    Attributes:
        home_country: ISO 3166-1 alpha-2 code of the buyer's country; always allowed.
        allowed_countries: Countries whose servers the firmware may contact and whose makers may build
            it (the home country is added).
        banned_vendors: Makers the buyer may not buy from, matched (see `banned_in`) in the vendor and
            operator of findings, the OEM candidates and the SoC vendor.
        on_foreign_endpoint: Outcome for an endpoint in a country that is not allowed.
        on_banned_vendor: Outcome for a banned vendor anywhere in the evidence.
        on_foreign_maker: Outcome for an OEM candidate from a country that is not allowed.
        on_unverifiable: Outcome for an image that could not be read (encrypted, unknown, limits hit).
        on_contradiction: Outcome for evidence that contradicts the supplier's declaration.
        min_severity: Findings below this severity are reported but do not change the decision.
        source: Where the policy was read from, for messages.
    """

    home_country: str
    allowed_countries: frozenset[str] = frozenset()
    banned_vendors: tuple[str, ...] = ()
    on_foreign_endpoint: Outcome = Outcome.REJECT
    on_banned_vendor: Outcome = Outcome.REJECT
    on_foreign_maker: Outcome = Outcome.REVIEW
    on_unverifiable: Outcome = Outcome.REVIEW
    on_contradiction: Outcome = Outcome.REJECT
    min_severity: Severity = Severity.MEDIUM
    source: str = "<policy>"

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Policy:
        """Read a policy file.

        Raises:
            PolicyError: the file is missing, is not TOML, or a key is unknown, missing or invalid.
        """
        source = str(path)
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise PolicyError(f"{source}: cannot read the policy: {exc}") from exc
        return cls.from_toml(text, source=source)

    @classmethod
    def from_toml(cls, text: str, *, source: str = "<policy>") -> Policy:
        """Read a policy from TOML text; `source` names it in error messages."""
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise PolicyError(f"{source}: not valid TOML: {exc}") from exc
        return cls.from_mapping(data, source=source)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], *, source: str = "<policy>") -> Policy:
        """Build a policy from parsed TOML, checking every key."""
        unknown = sorted(set(data) - _KEYS)
        if unknown:
            raise PolicyError(
                f"{source}: unknown key {unknown[0]!r}; allowed keys: {', '.join(sorted(_KEYS))}"
            )
        if "home_country" not in data:
            raise PolicyError(f"{source}: missing key 'home_country' (an ISO 3166-1 alpha-2 code, e.g. 'DE')")
        home = _country(data["home_country"], source, "home_country")
        allowed = data.get("allowed_countries", [])
        if not isinstance(allowed, list):
            raise PolicyError(f"{source}: 'allowed_countries' must be a list of ISO 3166-1 alpha-2 codes")
        banned = data.get("banned_vendors", [])
        if not isinstance(banned, list) or not all(isinstance(v, str) and _words(v) for v in banned):
            raise PolicyError(f"{source}: 'banned_vendors' must be a list of non-empty vendor names")
        defaults = cls(home_country=home)

        def outcome(key: str) -> Outcome:
            value: Outcome = _outcome(data[key], source, key) if key in data else getattr(defaults, key)
            return value

        return cls(
            home_country=home,
            allowed_countries=frozenset({home, *(_country(c, source, "allowed_countries") for c in allowed)}),
            banned_vendors=tuple(v.strip() for v in banned),
            on_foreign_endpoint=outcome("on_foreign_endpoint"),
            on_banned_vendor=outcome("on_banned_vendor"),
            on_foreign_maker=outcome("on_foreign_maker"),
            on_unverifiable=outcome("on_unverifiable"),
            on_contradiction=outcome("on_contradiction"),
            min_severity=_severity(data.get("min_severity", Severity.MEDIUM.value), source),
            source=source,
        )

    def allows(self, country: str) -> bool:
        """Tell whether a country is the home country or an allowed one."""
        return country.upper() in self.allowed_countries

    def banned_in(self, name: str | None) -> str | None:
        """The banned vendor named in `name`, if any.

        Latin names match as whole words ignoring case and punctuation ("ZTE" is not in "Zteknik");
        names in scripts that do not separate words (海康威视) match anywhere in the text.
        """
        if not name:
            return None
        words, folded = f" {_words(name)} ", name.casefold()
        for vendor in self.banned_vendors:
            if vendor.isascii() and f" {_words(vendor)} " in words:
                return vendor
            if not vendor.isascii() and vendor.casefold() in folded:
                return vendor
        return None

    def digest(self) -> str:
        """A sha256 over the rules (not the source), so equal policies from two files compare equal."""
        rules = {
            "home_country": self.home_country,
            "allowed_countries": sorted(self.allowed_countries),
            "banned_vendors": list(self.banned_vendors),
            **{key: getattr(self, key).value for key in sorted(_OUTCOME_KEYS)},
            "min_severity": self.min_severity.value,
        }
        return hashlib.sha256(json.dumps(rules, sort_keys=True).encode()).hexdigest()

    def to_toml(self) -> str:
        """The rules as TOML that `from_toml` reads back to an equal policy (for worker processes)."""
        lines = [
            f"home_country = {json.dumps(self.home_country)}",
            f"allowed_countries = {json.dumps(sorted(self.allowed_countries))}",
            f"banned_vendors = {json.dumps(list(self.banned_vendors), ensure_ascii=False)}",
            *(f'{key} = "{getattr(self, key).value}"' for key in sorted(_OUTCOME_KEYS)),
            f'min_severity = "{self.min_severity.value}"',
        ]
        return "\n".join(lines) + "\n"


_OUTCOME_KEYS = frozenset(
    {"on_foreign_endpoint", "on_banned_vendor", "on_foreign_maker", "on_unverifiable", "on_contradiction"}
)
_KEYS = _OUTCOME_KEYS | {"home_country", "allowed_countries", "banned_vendors", "min_severity"}


def _words(text: str) -> str:
    # Unicode words: a banned name may be written in its own script (海康威视).
    return " ".join(re.findall(r"[^\W_]+", text.casefold()))


def _country(value: object, source: str, key: str) -> str:
    if not isinstance(value, str) or not _COUNTRY.fullmatch(value.upper()):
        raise PolicyError(f"{source}: {key}: {value!r} is not an ISO 3166-1 alpha-2 country code (e.g. 'DE')")
    return value.upper()


def _outcome(value: object, source: str, key: str) -> Outcome:
    try:
        return Outcome(str(value))
    except ValueError:
        allowed = ", ".join(o.value for o in Outcome)
        raise PolicyError(f"{source}: {key}: {value!r} is not one of {allowed}") from None


def _severity(value: object, source: str) -> Severity:
    try:
        return Severity(str(value))
    except ValueError:
        allowed = ", ".join(s.value for s in Severity)
        raise PolicyError(f"{source}: min_severity: {value!r} is not one of {allowed}") from None


def decide(report: Report, policy: Policy) -> Decision:
    """Apply a policy to a report: the strictest outcome any rule asks for, with a reason per rule.

    Findings below the policy's minimum severity are ignored; the verdict (unverifiable, OEM, SoC,
    contradictions) always counts. Endpoints with the role `reference` are not servers and never count.
    """
    counted = [f for f in report.findings if f.severity.rank >= policy.min_severity.rank]
    verdict = report.verdict
    fired: list[tuple[Outcome, str]] = []
    if verdict.unverifiable:
        fired.append((policy.on_unverifiable, f"unverifiable: {verdict.unverifiable_reason or 'unreadable'}"))
    fired.extend((policy.on_contradiction, reason) for reason in _contradictions(report))
    fired.extend((policy.on_banned_vendor, reason) for reason in _banned(report, counted, policy))
    fired.extend((policy.on_foreign_endpoint, reason) for reason in _foreign_endpoints(counted, policy))
    fired.extend((policy.on_foreign_maker, reason) for reason in _foreign_makers(report, policy))
    # Strictest first, so a reader (and a summary that shows the top reasons) sees why first.
    reasons = [reason for _, reason in sorted(fired, key=lambda f: -_OUTCOME_ORDER.index(f[0]))]
    if not reasons:
        quiet = (
            f"no rule of {Path(policy.source).name} fired on the {len(counted)} findings at or above "
            f"{policy.min_severity.value}: no foreign endpoint, banned vendor, foreign maker or "
            "contradiction, and the image was readable"
        )
        reasons = [quiet]
    return Decision(outcome=worst(o for o, _ in fired), reasons=tuple(reasons))


def _contradictions(report: Report) -> list[str]:
    return [
        f"declared {c.field} {c.declared!r} contradicts the observed {c.observed!r}{_cite(c.basis)}"
        for c in report.verdict.contradictions
    ]


def _foreign_makers(report: Report, policy: Policy) -> list[str]:
    return [
        f"OEM {oem.vendor} ({oem.country}), not an allowed country{_cite(oem.basis)}"
        for oem in report.verdict.oem
        if oem.country and not policy.allows(oem.country)
    ]


def _banned(report: Report, findings: list[Finding], policy: Policy) -> list[str]:
    hits: dict[str, list[str]] = {}
    for f in findings:
        payload = f.endpoint or f.sdk or f.trace or f.chip
        names = [getattr(payload, "vendor", None), getattr(payload, "operator", None)]
        for name in names:
            banned = policy.banned_in(name)
            if banned is not None:
                hits.setdefault(banned, []).append(f.id)
                break
    for oem in report.verdict.oem:
        banned = policy.banned_in(oem.vendor)
        if banned is not None:
            hits.setdefault(banned, []).extend(oem.basis)
    soc = report.verdict.soc_detail
    if soc is not None and (banned := policy.banned_in(soc.vendor)) is not None:
        hits.setdefault(banned, []).extend(soc.basis)
    return [f"banned vendor {vendor}{_cite(ids)}" for vendor, ids in sorted(hits.items())]


def _foreign_endpoints(findings: list[Finding], policy: Policy) -> list[str]:
    by_country: dict[str, list[Finding]] = {}
    for f in findings:
        e = f.endpoint
        if e is None or e.role is EndpointRole.REFERENCE or not e.country or policy.allows(e.country):
            continue
        by_country.setdefault(e.country.upper(), []).append(f)
    reasons = []
    for country, found in sorted(by_country.items()):
        hosts = sorted({f"{f.endpoint.host} ({f.endpoint.role.value})" for f in found if f.endpoint})
        shown = ", ".join(hosts[:_MAX_CITED]) + (
            f" and {len(hosts) - _MAX_CITED} more" if len(hosts) > _MAX_CITED else ""
        )
        reasons.append(f"endpoints in {country}, not an allowed country: {shown}{_cite(f.id for f in found)}")
    return reasons


def _cite(ids: Iterable[str]) -> str:
    unique = sorted(set(ids))
    return f" [findings {', '.join(unique)}]" if unique else ""
