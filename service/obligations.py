"""Which passages name an agency, and in which role: the NGO's view of the plan."""

from __future__ import annotations

from corpus.models import Agency, Passage


def role_of(passage: Passage, agency_id: str) -> str | None:
    if any(a.id == agency_id for a in passage.lead_agencies):
        return "lead"
    if any(a.id == agency_id for a in passage.cooperating_agencies):
        return "cooperating"
    return None


def obligations(
    passages: list[Passage], agency_id: str, role: str = "any"
) -> list[tuple[str, Passage]]:
    """(role, passage) in plan order, for one agency; role filters lead or cooperating."""
    found = [(role_of(p, agency_id), p) for p in passages]
    return [(r, p) for r, p in found if r is not None and role in ("any", r)]


def counts(passages: list[Passage], agency: Agency) -> tuple[int, int]:
    roles = [role_of(p, agency.id) for p in passages]
    return roles.count("lead"), roles.count("cooperating")
