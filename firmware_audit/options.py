"""What an audit is asked to do: one options object, shared by the API, the CLI, batch and notebooks."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from firmware_audit.declaration import read_declaration
from firmware_audit.model import Declared
from firmware_audit.policy import Policy

if TYPE_CHECKING:
    import os
    from collections.abc import Sequence

    from firmware_audit.analyze.base import Analyzer
    from firmware_audit.extract import Limits


@dataclass(frozen=True, slots=True)
class AuditOptions:
    """Everything that shapes one audit besides the image.

    Attributes:
        limits: Unpacking limits (always on; None: the defaults). `limits.time_budget` bounds the
            whole audit, unpacking and analysis together, in wall-clock seconds: files the analysis
            does not reach in time are counted in an Issue.
        declared: What the supplier declares (vendor, model, country), if known.
        home_country: ISO code of the buyer's country: endpoints abroad are graded against it. None:
            the policy's home country; without either, countries are reported but not judged.
        policy: An acceptance policy: the report then carries its decision.
        analyzers: The per-file analyzers to run; None runs every registered one.
        jobs: Processes that analyse the image's distinct contents (1: this process only). None:
            chosen by the image's size, one below `workers.MIN_PARALLEL_BYTES`, else one per core
            up to two. The report is the same whatever the number.
    """

    limits: Limits | None = None
    declared: Declared | None = None
    home_country: str | None = None
    policy: Policy | None = None
    analyzers: Sequence[Analyzer] | None = None
    jobs: int | None = None

    @property
    def home(self) -> str | None:
        """The country endpoints are graded against: the one given, else the policy's, upper case."""
        home = self.home_country or (self.policy.home_country if self.policy is not None else None)
        return home.upper() if home else None

    def with_(
        self,
        *,
        declared: Declared | str | os.PathLike[str] | None = None,
        limits: Limits | None = None,
        analyzers: Sequence[Analyzer] | None = None,
        home_country: str | None = None,
        policy: Policy | str | os.PathLike[str] | None = None,
        jobs: int | None = None,
    ) -> AuditOptions:
        """These options with every argument given (not None) replacing its field.

        `declared` may be the path of a `submission.toml` and `policy` the path of a policy file:
        both are read here, before any unpacking.

        Raises:
            PolicyError: the policy file cannot be read or is invalid.
            DeclarationError: the submission file cannot be read or is invalid.
        """
        if declared is not None and not isinstance(declared, Declared):
            declared, _ = read_declaration(declared)
        if policy is not None and not isinstance(policy, Policy):
            policy = Policy.load(policy)
        return replace(
            self,
            declared=self.declared if declared is None else declared,
            limits=self.limits if limits is None else limits,
            analyzers=self.analyzers if analyzers is None else analyzers,
            home_country=self.home_country if home_country is None else home_country,
            policy=self.policy if policy is None else policy,
            jobs=self.jobs if jobs is None else jobs,
        )
