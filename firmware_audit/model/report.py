"""The report: everything an audit says about one image, and its JSON form."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Self

from pydantic import Field, field_validator

from firmware_audit.model._base import Frozen
from firmware_audit.model.common import Issue, Location
from firmware_audit.model.finding import Finding

if TYPE_CHECKING:
    import pandas as pd

SCHEMA_VERSION = "1.3"


class Tool(Frozen):
    """The program that wrote the report."""

    name: str
    version: str


class RefData(Frozen):
    """An offline reference data set the audit used, with its date."""

    name: str
    date: str


class Signatures(Frozen):
    """The signature set the audit used: its version and a digest of its content."""

    version: str
    digest: str


class ImageInfo(Frozen):
    """The audited image file."""

    path: str
    name: str
    size: int = Field(ge=0)
    sha256: str


class Declared(Frozen):
    """What the supplier declares the product to be."""

    vendor: str | None = None
    model: str | None = None
    country: str | None = None


class UnexplainedRegion(Frozen):
    """Bytes no handler could explain: where, how many and how random they look."""

    location: Location
    length: int = Field(ge=0, description="Length in bytes of the region inside the file at location.")
    image_bytes: int = Field(ge=0, description="Share of the image's own bytes this region stands for.")
    entropy: float = Field(ge=0.0, le=8.0, description="Shannon entropy in bits per byte.")


class RegionRun(Frozen):
    """Unexplained regions of one kind, one after the other, summarised as one entry with their count."""

    pattern: str = Field(
        description="The regions' container path with carve offsets written 0x* (the same for every "
        "region of the run); '*' for the smallest regions left over when even the runs are too many."
    )
    first: Location = Field(description="Where the run's first region is.")
    last: Location = Field(description="Where the run's last region is.")
    count: int = Field(ge=2, description="Regions in the run.")
    length: int = Field(ge=0, description="Their lengths, summed.")
    image_bytes: int = Field(ge=0, description="Their shares of the image's own bytes, summed.")
    entropy: float = Field(ge=0.0, le=8.0, description="Their entropies, weighted by length.")


class Coverage(Frozen):
    """How much of the image was explained, and what was not."""

    bytes_total: int = Field(ge=0)
    bytes_explained: int = Field(ge=0)
    explained_ratio: float = Field(ge=0.0, le=1.0)
    unexplained: tuple[UnexplainedRegion, ...] = ()
    runs: tuple[RegionRun, ...] = Field(
        default=(),
        description="Only when there are more unexplained regions than a report lists one by one "
        "(1,000): runs of adjacent regions of one kind, each summarised with its count (a "
        "`summarised` issue says so); a region of a run is not in `unexplained`.",
    )
    rejected: dict[str, int] = Field(
        default_factory=dict,
        description="Candidates the analyzers judged not to be what they looked like (strings shaped "
        "like servers that are versions, file names, random bytes ...), counted by reason.",
    )
    passed_over: dict[str, int] = Field(
        default_factory=dict,
        description="Files an analyzer applies to but did not look into, counted by reason (ELF files "
        "of an instruction set no lineage reference is of: nothing to compare them with). Since "
        "schema 1.3.",
    )

    @field_validator("rejected", "passed_over")
    @classmethod
    def _sort_counts(cls, value: dict[str, int]) -> dict[str, int]:
        return dict(sorted(value.items()))

    @field_validator("unexplained")
    @classmethod
    def _sort_regions(cls, value: tuple[UnexplainedRegion, ...]) -> tuple[UnexplainedRegion, ...]:
        return tuple(sorted(value, key=lambda r: (r.location.path, r.location.offset or 0)))


class Container(Frozen):
    """One container the unpacker opened (the image itself, a partition, an archive, a filesystem)."""

    path: str = Field(description="Virtual path of the container; '' is the image itself.")
    format: str = Field(description="The format it was read as, e.g. squashfs.")
    label: str | None = Field(default=None, description="What its header says, as read from the firmware.")
    size: int = Field(ge=0)
    members: int = Field(ge=0, description="Entries directly inside it.")
    unexplained: int = Field(ge=0, description="Bytes of it that no handler explained.")


class OemCandidate(Frozen):
    """A maker the evidence points to, with the findings behind it."""

    vendor: str
    country: str | None = None
    confidence: float = Field(ge=0.0, le=1.0)
    basis: tuple[str, ...] = Field(default=(), description="Ids of the supporting findings.")
    role: str = Field(
        default="maker",
        description="maker (or ODM), brand (a brand whose maker is not known), distribution (a firmware "
        "project such as OpenWrt) or unrecognised (an organisation the maker base does not know).",
    )
    brands: tuple[str, ...] = Field(
        default=(), description="Brands of this maker the evidence names (EZVIZ for Hikvision)."
    )
    decisive: tuple[str, ...] = Field(
        default=(),
        description="Ids of the findings specific to it (its name, domain, signer, credential, own "
        "product files); the rest of `basis` is shared lineage, which supports but never decides.",
    )
    proof: str | None = Field(default=None, description="Its strongest specific evidence, in words.")


class Contradiction(Frozen):
    """Where the evidence disagrees with the declared identity."""

    field: str
    declared: str
    observed: str
    basis: tuple[str, ...] = ()


class SocIdentification(Frozen):
    """The SoC the firmware was built for, and why: SDK families decide, weaker clues refine."""

    vendor: str
    vendor_country: str | None = None
    model: str | None = Field(default=None, description="The one chip model the evidence singles out.")
    models: tuple[str, ...] = Field(default=(), description="Every chip model consistent with the evidence.")
    confidence: float = Field(ge=0.0, le=1.0)
    basis: tuple[str, ...] = Field(default=(), description="Ids of the supporting findings, strongest first.")
    disagreements: tuple[str, ...] = Field(
        default=(), description="Clues that point elsewhere, and which evidence decided instead."
    )


class Verdict(Frozen):
    """What the findings add up to for the whole image."""

    oem: tuple[OemCandidate, ...] = ()
    soc: str | None = Field(default=None, description="The SoC in a few words, e.g. 'HiSilicon Hi3516EV300'.")
    soc_detail: SocIdentification | None = None
    countries: dict[str, int] = Field(default_factory=dict)

    @field_validator("countries")
    @classmethod
    def _sort_countries(cls, value: dict[str, int]) -> dict[str, int]:
        return dict(sorted(value.items()))

    endpoint_roles: dict[str, dict[str, int]] = Field(
        default_factory=dict,
        description="Distinct servers by country, then role: {'CN': {'cloud': 8, 'dns': 1}}.",
    )

    @field_validator("endpoint_roles")
    @classmethod
    def _sort_roles(cls, value: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
        return {country: dict(sorted(roles.items())) for country, roles in sorted(value.items())}

    contradictions: tuple[Contradiction, ...] = ()
    maker_statement: str | None = Field(
        default=None, description="Who made the firmware and on what proof, in one sentence."
    )
    undecided: tuple[OemCandidate, ...] = Field(
        default=(),
        description="Makers the evidence points to that are not named: shared lineage only, too weak, "
        "or split between makers.",
    )
    sdk_vendors: tuple[str, ...] = Field(
        default=(), description="The vendors of the SDK families found, a line apart from the maker."
    )
    unverifiable: bool = False
    unverifiable_reason: str | None = None


class Outcome(StrEnum):
    """A policy's answer for one image."""

    ACCEPT = "accept"
    REVIEW = "review"
    REJECT = "reject"


class Decision(Frozen):
    """The policy's outcome and the reasons for it, citing finding ids."""

    outcome: Outcome
    reasons: tuple[str, ...] = ()


class Report(Frozen):
    """Everything one audit says about one image."""

    schema_version: str = SCHEMA_VERSION
    tool: Tool
    refdata: tuple[RefData, ...] = ()
    signatures: Signatures
    image: ImageInfo
    declared: Declared | None = None
    files: int = Field(ge=0, description="Number of entries in the unpacked tree.")
    coverage: Coverage
    containers: tuple[Container, ...] = Field(default=(), description="Every container opened, in order.")
    findings: tuple[Finding, ...] = ()
    issues: tuple[Issue, ...] = ()
    verdict: Verdict = Field(default_factory=Verdict)
    decision: Decision | None = None

    @field_validator("findings")
    @classmethod
    def _sort_findings(cls, value: tuple[Finding, ...]) -> tuple[Finding, ...]:
        return tuple(sorted(value, key=lambda f: (f.location.path, f.location.offset or 0, f.category, f.id)))

    @field_validator("issues")
    @classmethod
    def _sort_issues(cls, value: tuple[Issue, ...]) -> tuple[Issue, ...]:
        return tuple(
            sorted(value, key=lambda i: (i.location.path, i.location.offset or 0, i.kind, i.message))
        )

    def to_json(self, *, indent: int | None = 2) -> str:
        """Serialize to JSON; the same report always gives the same text."""
        return self.model_dump_json(indent=indent)

    @classmethod
    def from_json(cls, text: str | bytes) -> Self:
        """Read a report written by `to_json`."""
        return cls.model_validate_json(text)

    def to_dataframe(self) -> pd.DataFrame:
        """One row per finding, payload fields as columns (needs `pip install 'firmware_audit[notebook]'`).

        The columns are `firmware_audit.notebook.frames.FINDING_COLUMNS`; `severity` is ordered.
        """
        # Imported here: pandas is an optional extra, and the notebook layer sits above the model.
        from firmware_audit.notebook.frames import findings_frame  # noqa: PLC0415

        return findings_frame(self)

    def _repr_html_(self) -> str:
        """What Jupyter shows for a report: verdict, decision, counts and the most severe findings."""
        from firmware_audit.render.notebook import report_html  # noqa: PLC0415  (renderers sit above the model)

        return report_html(self)
