"""Attribution: who made the firmware, whether that contradicts the declaration, where it connects.

Runs once per image, after the per-file analyzers, over all findings.

**Who made it.** Every finding that names a company of the maker base (`signatures/makers/`) — in a
trace's, SDK family's, chip clue's or endpoint's vendor, or by an endpoint's host under one of its
domains — is a piece of evidence for the company that makes that name's products: a brand counts for
its maker (EZVIZ for Hikvision, CP Plus for Dahua, Wyze for Hualai) and is listed with it. Chip
makers, P2P platforms, clouds and software projects are no makers and never candidates.

Evidence is of two sorts, and only one decides; which sort each kind of evidence is, and its weight, is
data: the `[[evidence]]` rows of the rule catalogue (`signatures/catalogue/rules.toml`), and each
rule's row there says which kind weighs its findings:

* **specific** (`specific = true`): what only the maker puts in its firmware — its name in a copyright line,
  login banner, web title or kernel module author, its domain, its code-signing or certificate
  subject, a published password of its firmware, its own product strings and model numbers, its
  kernel nodes, a build host naming it, its P2P prefix or ONVIF identity, its servers, a strong match
  of its compiled code (`lineage`);
* **shared lineage** (`specific = false`): what several makers' firmware carries — board paths, file names
  and layout members, product-definition files, kernel modules, toolchains, SDK families and chips,
  a name mentioned in passing (a list of supported protocols names many makers). It adds to a
  candidate's confidence but never names one.

Evidence of one kind is not independent (ten cloud hosts come from one configuration), so within a
kind the k-th piece counts `w·½^k`, and the kind's strength is `1 - Π(1 - w·½^k)`; kinds combine as
independent witnesses, `confidence = 1 - Π(1 - strength)`, once over all evidence and once over the
specific evidence alone. A candidate is **named** (`verdict.oem`) when its specific evidence reaches
`MIN_DECISIVE` and its confidence `MIN_CONFIDENCE`; makers ahead of distributions (a vendor's build
on OpenWrt is the vendor's), recognised organisations ahead of unrecognised ones. When a second maker's
specific evidence is nearly as strong as the first's (`SPLIT`), the evidence is split and no maker is
named. Candidates not named are listed apart (`verdict.undecided`) with what points to them, and
`verdict.maker_statement` says in one sentence who made the firmware and on what proof, or why no
maker can be named. An organisation the base does not know, named in a copyright line of the
firmware's own files, is a candidate of its own (`role` unrecognised) when no known maker is named.

**Contradictions.** A declared vendor contradicts the evidence when no named candidate of at least
`CONTRADICTION_CONFIDENCE` is it or one of its brands ("Muster Sicherheit GmbH" against Xiongmai); a
declared country when none of those candidates is from it. Both cite the strongest findings of the
strongest candidate. Endpoints abroad are not a contradiction of origin: a domestic camera may use a
foreign DNS.

**Endpoints by country and role.** Distinct servers (references and reserved addresses left out).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from firmware_audit.model import (
    Contradiction,
    EndpointRole,
    LineageKind,
    LineageStrength,
    OemCandidate,
)
from firmware_audit.signatures.catalogue import BY_SDK_KIND, BY_TRACE_KIND, catalogue
from firmware_audit.signatures.makers import base as maker_base

if TYPE_CHECKING:
    from collections.abc import Sequence

    from firmware_audit.model import Declared, Finding
    from firmware_audit.signatures.makers import Maker

REPEAT_DECAY = 0.5
"""Each further finding of the same kind counts half the one before."""
MIN_CONFIDENCE = 0.3
"""Candidates weaker than this are not named."""
MIN_DECISIVE = 0.25
"""Specific evidence a candidate needs to be named."""
SPLIT = 0.8
"""A second maker whose specific evidence is this close to the first's splits the verdict."""
CONTRADICTION_CONFIDENCE = 0.5
"""Only candidates at least this strong can contradict a declaration."""
MAX_CITED = 10
"""A contradiction cites the strongest findings of the candidate (its `basis` has them all)."""
_SERVER_ROLES = frozenset(EndpointRole) - {EndpointRole.REFERENCE}


@dataclass(frozen=True, slots=True)
class Attribution:
    """What the findings of one image add up to.

    Attributes:
        oem: The named makers, strongest first (empty when none can be named).
        contradictions: Where the evidence disagrees with the declared identity.
        endpoints: Distinct servers by country, then role: {"CN": {"cloud": 8, "dns": 1}}.
        undecided: Makers pointed to but not named (lineage only, too weak, or split).
        statement: Who made it and on what proof, in one sentence.
        sdk_vendors: The vendors of the SDK families found.
    """

    oem: tuple[OemCandidate, ...]
    contradictions: tuple[Contradiction, ...]
    endpoints: dict[str, dict[str, int]]
    undecided: tuple[OemCandidate, ...] = ()
    statement: str = ""
    sdk_vendors: tuple[str, ...] = ()


def attribute(findings: Sequence[Finding], declared: Declared | None = None) -> Attribution:
    """Name the maker, compare it with the declaration, count the endpoints."""
    named, undecided, statement = decide(findings)
    vendors = dict.fromkeys(f.sdk.vendor for f in findings if f.sdk is not None and f.sdk.vendor)
    return Attribution(
        oem=named,
        contradictions=contradictions(named, declared),
        endpoints=endpoints_by_country(findings),
        undecided=undecided,
        statement=statement,
        sdk_vendors=tuple(sorted(vendors)),
    )


def evidence_of(finding: Finding) -> tuple[str, str | None]:
    """(kind of evidence, vendor name) of a finding, for the weights: as its rule's catalogue row says.

    A rule the catalogue lacks (`signatures check` fails on one the analyzers emit) is weighed by its
    payload's kind.
    """
    rule = catalogue().rule(finding.rule)
    if finding.trace is not None:
        weighed_by = rule.evidence if rule is not None else BY_TRACE_KIND
        kind = f"trace:{finding.trace.kind}" if weighed_by == BY_TRACE_KIND else weighed_by
        return kind, finding.trace.vendor
    if finding.sdk is not None:
        weighed_by = rule.evidence if rule is not None else BY_SDK_KIND
        kind = f"sdk:{finding.sdk.kind.value}" if weighed_by == BY_SDK_KIND else weighed_by
        return kind, finding.sdk.vendor
    if finding.chip is not None:
        return (rule.evidence if rule is not None else "chip"), finding.chip.vendor
    if finding.lineage is not None:
        return _lineage_evidence(finding, rule.evidence if rule is not None else "lineage")
    payload = finding.endpoint
    if payload is not None and payload.role in _SERVER_ROLES and not payload.reserved:
        return (rule.evidence if rule is not None else "endpoint"), payload.vendor
    return "none", None


def _lineage_evidence(finding: Finding, weighed_by: str) -> tuple[str, str | None]:
    """A strong match of a maker's compiled code.

    A weak one (few functions, or two makers' code) is shown in the report but never counted.
    """
    lineage = finding.lineage
    assert lineage is not None  # the caller checked
    strong = lineage.kind is LineageKind.MAKER_BUILD and lineage.strength is LineageStrength.STRONG
    return (weighed_by, lineage.maker) if strong else ("none", None)


@dataclass
class _Evidence:
    """What points to one company."""

    maker: Maker | None
    name: str
    kinds: dict[str, list[tuple[float, str]]] = field(default_factory=lambda: defaultdict(list))
    decisive: dict[str, list[tuple[float, str]]] = field(default_factory=lambda: defaultdict(list))
    brands: dict[str, None] = field(default_factory=dict)
    titles: dict[str, str] = field(default_factory=dict)

    @property
    def role(self) -> str:
        if self.maker is None:
            return "unrecognised"
        if self.maker.kind == "distribution":
            return "distribution"
        return "brand" if self.maker.kind == "brand" else "maker"

    def add(self, kind: str, weight: float, finding: Finding, *, decisive: bool) -> None:
        self.kinds[kind].append((weight, finding.id))
        if decisive:
            self.decisive[kind].append((weight, finding.id))
            self.titles.setdefault(finding.id, finding.title)


def _named_makers(finding: Finding, kind: str, vendor: str | None) -> list[tuple[Maker, bool]]:
    """The companies of the maker base a finding names, each with whether it names that row itself.

    A trace or SDK names what its vendor names; an endpoint names the owner of its host, and the
    makers its vendor data names. That vendor text describes the operator ("Dahua (Dahua, Easy4IP,
    Lechange, Imou)", "Hualai (...), ODM of Wyze cameras"): it names the company behind the server,
    not a brand the firmware is sold as, so only the host's owner can be a brand found in it.
    """
    base = maker_base()
    endpoint = finding.endpoint is not None and kind == "endpoint"
    found = [(row, not endpoint) for row in base.makers_named_in(vendor)]
    if endpoint and finding.endpoint is not None:
        owner = base.by_domain(finding.endpoint.host)
        if owner is not None:
            found = [(row, False) for row, _ in found if row is not owner] + [(owner, True)]
    return found


def _collect(findings: Sequence[Finding]) -> dict[str, _Evidence]:
    base = maker_base()
    companies: dict[str, _Evidence] = {}
    for finding in findings:
        kind, vendor = evidence_of(finding)
        if kind == "none":
            continue
        named = _named_makers(finding, kind, vendor)
        weighing = catalogue().weight(kind)
        if weighing is not None and weighing.weight == 0:
            continue  # a kind that never names a maker (an XML namespace, a build user) points to none
        # `signatures check` makes sure every kind the code emits has a row; one without counts nothing.
        decisive = weighing is not None and weighing.specific
        weight = (weighing.weight if weighing is not None else 0.0) * finding.confidence
        if not named:
            if kind == "trace:organisation" and vendor:
                entry = companies.setdefault(f"?{vendor}", _Evidence(None, vendor))
                entry.add(kind, weight, finding, decisive=True)
            continue
        # A finding that names two makers ("VStarcam or HiChip") supports each by half; a maker and
        # its own brand are one company.
        makers: dict[str, list[tuple[Maker, bool]]] = {}
        for row, itself in named:
            makers.setdefault(base.maker_of(row).id, []).append((row, itself))
        for rows in makers.values():
            company = base.maker_of(rows[0][0])
            entry = companies.setdefault(company.id, _Evidence(company, company.name))
            for row, itself in rows:
                if row is not company and itself:
                    entry.brands[row.name] = None
            entry.add(kind, weight / len(makers), finding, decisive=decisive)
    return companies


def _strength(kinds: dict[str, list[tuple[float, str]]]) -> float:
    doubt = 1.0
    for found in kinds.values():
        for index, (weight, _) in enumerate(sorted(found, key=lambda p: (-p[0], p[1]))):
            doubt *= 1 - weight * REPEAT_DECAY**index
    return round(1 - doubt, 3)


def _candidate(entry: _Evidence) -> OemCandidate:
    ranked = sorted(((w, i) for found in entry.kinds.values() for w, i in found), key=lambda p: (-p[0], p[1]))
    decisive = sorted(
        ((w, i) for found in entry.decisive.values() for w, i in found), key=lambda p: (-p[0], p[1])
    )
    proof = entry.titles.get(decisive[0][1]) if decisive else None
    name = entry.name if entry.maker is not None else f"unrecognised organisation {entry.name}"
    return OemCandidate(
        vendor=name,
        country=(entry.maker.country or None) if entry.maker is not None else None,
        confidence=_strength(entry.kinds),
        basis=tuple(dict.fromkeys(i for _, i in ranked)),
        role=entry.role,
        brands=tuple(entry.brands),
        decisive=tuple(dict.fromkeys(i for _, i in decisive)),
        proof=proof,
    )


def candidates(findings: Sequence[Finding]) -> tuple[OemCandidate, ...]:
    """The makers the findings name, strongest first (empty when none can be named)."""
    return decide(findings)[0]


def decide(findings: Sequence[Finding]) -> tuple[tuple[OemCandidate, ...], tuple[OemCandidate, ...], str]:
    """(named makers, makers pointed to but not named, the sentence saying who made it)."""
    entries = _collect(findings)
    everyone = [(_candidate(e), _strength(e.decisive)) for e in entries.values()]
    named = [(c, d) for c, d in everyone if d >= MIN_DECISIVE and c.confidence >= MIN_CONFIDENCE]
    if any(c.role != "unrecognised" for c, _ in named):
        named = [(c, d) for c, d in named if c.role != "unrecognised"]
    order = {"maker": 0, "brand": 0, "distribution": 1, "unrecognised": 2}
    named.sort(key=lambda p: (order[p[0].role], -p[1], -p[0].confidence, p[0].vendor))
    undecided = sorted(
        (c for c, _ in everyone if all(c is not n for n, _ in named)),
        key=lambda c: (-c.confidence, c.vendor),
    )
    rivals = [(c, d) for c, d in named if c.role in {"maker", "brand"}]
    if len(rivals) > 1 and rivals[1][1] >= SPLIT * rivals[0][1]:
        split = [c for c, _ in named]
        # the statement names the makers the evidence is split between, not a distribution beside them
        return (), tuple(split + undecided), _split_statement([c for c, _ in rivals])
    chosen = tuple(c for c, _ in named)
    return chosen, tuple(undecided), _statement(chosen, undecided)


def _statement(named: Sequence[OemCandidate], undecided: Sequence[OemCandidate]) -> str:
    if named:
        top = named[0]
        country = f" ({top.country})" if top.country else ""
        brands = f", sold as {', '.join(top.brands)}" if top.brands else ""
        what = {
            "maker": f"Made by {top.vendor}{country}{brands}",
            "brand": f"Sold under the brand {top.vendor}{country}, whose maker is not known",
            "distribution": f"Built from the {top.vendor} distribution",
            "unrecognised": f"Made by {top.vendor}, an organisation the maker base does not know",
        }[top.role]
        return f"{what}, on proof specific to it: {top.proof}."
    if undecided:
        pointed = ", ".join(c.vendor for c in undecided[:3])
        return (
            f"No maker can be named: only shared lineage or weak evidence points to {pointed} "
            "(paths, file names, SDKs or chips several makers' firmware carries)."
        )
    return "No maker can be named: nothing in the firmware names one."


def _split_statement(split: Sequence[OemCandidate]) -> str:
    names = " and ".join(c.vendor for c in split[:3])
    return f"No maker can be named: the specific evidence is split between {names}."


def contradictions(oem: Sequence[OemCandidate], declared: Declared | None) -> tuple[Contradiction, ...]:
    """Where a declared vendor or country disagrees with the strong OEM candidates."""
    strong = [c for c in oem if c.confidence >= CONTRADICTION_CONFIDENCE]
    if declared is None or not strong:
        return ()
    top = strong[0]
    observed = f"{top.vendor} ({top.country})" if top.country else top.vendor
    found = []
    if declared.vendor and not any(_names(c.vendor, declared.vendor) for c in strong):
        found.append(
            Contradiction(
                field="vendor", declared=declared.vendor, observed=observed, basis=top.basis[:MAX_CITED]
            )
        )
    countries = {c.country.upper() for c in strong if c.country}
    if declared.country and countries and declared.country.upper() not in countries:
        found.append(
            Contradiction(
                field="country",
                declared=declared.country.upper(),
                observed=f"{top.country} (OEM {top.vendor})",
                basis=top.basis[:MAX_CITED],
            )
        )
    return tuple(found)


def _names(maker_name: str, declared: str) -> bool:
    """Whether a declared vendor name is the maker or one of the brands it makes."""
    base = maker_base()
    return any(
        m.name == maker_name or base.maker_of(m).name == maker_name for m in base.makers_named_in(declared)
    )


def endpoints_by_country(findings: Sequence[Finding]) -> dict[str, dict[str, int]]:
    """{country: {role: distinct servers}} over the endpoint findings (references, reserved left out)."""
    roles: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for finding in findings:
        payload = finding.endpoint
        if (
            payload is None
            or payload.role is EndpointRole.REFERENCE
            or payload.reserved
            or not payload.country
        ):
            continue
        roles[payload.country][payload.role.value].add(payload.host)
    return {
        country: {role: len(hosts) for role, hosts in sorted(by_role.items())}
        for country, by_role in sorted(roles.items())
    }
