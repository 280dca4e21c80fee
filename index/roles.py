"""Which passages name each agency, and in which role: computed once when the corpus loads,
read by the search filter, the obligations list and the agency counts alike."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from corpus.models import Passage, Role

RoleFilter = Literal["lead", "cooperating", "any"]


@dataclass(frozen=True)
class RoleTable:
    """Per agency id, a boolean mask over the passages for each role (``Passage.role_of``)."""

    size: int
    masks: dict[str, dict[Role, np.ndarray]]
    totals: dict[str, tuple[int, int]]  # agency id -> (lead, cooperating) passage counts

    @classmethod
    def from_passages(cls, passages: list[Passage]) -> RoleTable:
        ids = {a.id for p in passages for a in (*p.lead_agencies, *p.cooperating_agencies)}
        masks: dict[str, dict[Role, np.ndarray]] = {}
        for agency_id in sorted(ids):
            roles = [p.role_of(agency_id) for p in passages]
            masks[agency_id] = {
                role: np.array([r == role for r in roles], dtype=bool)
                for role in ("lead", "cooperating")
            }
        totals = {
            agency_id: (int(m["lead"].sum()), int(m["cooperating"].sum()))
            for agency_id, m in masks.items()
        }
        return cls(len(passages), masks, totals)

    def mask(self, agency_id: str, role: RoleFilter = "any") -> np.ndarray:
        """Passages that name the agency in that role (all false for an agency named nowhere)."""
        masks = self.masks.get(agency_id)
        if masks is None:
            return np.zeros(self.size, dtype=bool)
        if role == "any":
            return masks["lead"] | masks["cooperating"]
        return masks[role]

    def counts(self, agency_id: str) -> tuple[int, int]:
        """(lead, cooperating) passage counts."""
        return self.totals.get(agency_id, (0, 0))

    def obligations(self, agency_id: str, role: RoleFilter = "any") -> list[tuple[Role, int]]:
        """(role, passage position) in plan order."""
        lead = self.mask(agency_id, "lead")
        return [
            ("lead" if lead[i] else "cooperating", int(i))
            for i in np.flatnonzero(self.mask(agency_id, role))
        ]
