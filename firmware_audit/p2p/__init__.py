"""P2P init strings: the codecs that hide and reveal the rendezvous servers of PPPP-family P2P stacks.

* `cs2` — CS2 Network PPPP / PPCS init strings (`PPPP_DecodeString`).
* `ilnk` — Shenzhen Yunni iLnkP2P init strings (`HI_DecStr` / `XqStrDec`).

Both modules decode (for the endpoint analyzer) and encode (for the synthetic corpus, which must
be built with the same code the auditor reads it with). The algorithms are described in
`domain/p2p-init-strings.md`; no code was copied.
"""

from __future__ import annotations


class InitStringError(ValueError):
    """The text is not a well-formed init string of this variant, or does not decode to a server list."""


__all__ = ["InitStringError"]
