"""The corpus data model: what every later stage (index, service, eval) reads."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Kind = Literal["principle", "goal", "measure", "bullet", "guarantee"]
Role = Literal["lead", "cooperating"]
Script = Literal["zh-Hant", "zh-Hans", "en"]
SCRIPTS: tuple[Script, ...] = ("zh-Hant", "zh-Hans", "en")
UNOFFICIAL_EN = (
    "Unofficial working translation by the ATP Search project; the Chinese text is authoritative."
)


class Text(BaseModel):
    """One string in each published script."""

    model_config = ConfigDict(populate_by_name=True, frozen=True)

    zh_hant: str = Field(alias="zh-Hant", min_length=1)
    zh_hans: str = Field(alias="zh-Hans", min_length=1)
    en: str = Field(min_length=1)

    def get(self, script: Script) -> str:
        return {"zh-Hant": self.zh_hant, "zh-Hans": self.zh_hans, "en": self.en}[script]


class PathStep(BaseModel):
    """An ancestor of a passage: chapter, section, part or parent measure."""

    model_config = ConfigDict(frozen=True)

    id: str
    title: Text


class AgencyRef(BaseModel):
    """An agency as it appears inside a passage (the API's `Agency` object)."""

    model_config = ConfigDict(populate_by_name=True, frozen=True)

    id: str
    zh_hant: str = Field(alias="zh-Hant")
    zh_hans: str = Field(alias="zh-Hans")
    en: str


class Agency(AgencyRef):
    """A registry entry: one body named in the plan's agency tags."""

    kind: Literal["agency", "collective"] = Field(
        description="'collective' is a group tag such as all member units of the joint meeting"
    )
    abbreviations: list[str] = Field(default_factory=list)
    aliases: list[str] = Field(
        default_factory=list,
        description="other names in any script or language, found inside a question too",
    )
    exact_aliases: list[str] = Field(
        default_factory=list,
        description="names that resolve only typed alone: inside a sentence they are part "
        "of other words (民委 in 村民委员会, 'justice' in 'criminal justice')",
    )
    notes: dict[str, str] = Field(
        default_factory=dict,
        description="why a name that is not the agency's own resolves to it: a local bureau, "
        "a former name, a body under it",
    )

    def names(self) -> list[str]:
        """Every name that resolves to this agency."""
        return [
            self.id,
            self.zh_hant,
            self.zh_hans,
            self.en,
            *self.abbreviations,
            *self.aliases,
            *self.exact_aliases,
        ]

    def ref(self) -> AgencyRef:
        return AgencyRef.model_validate(self.model_dump(by_alias=True, include=_REF_FIELDS))


_REF_FIELDS = {"id", "zh_hant", "zh_hans", "en"}


class Passage(BaseModel):
    """One measure-level unit of the plan, as API.md fixes it, plus provenance."""

    model_config = ConfigDict(populate_by_name=True, frozen=True)

    id: str = Field(description="stable across rebuilds of the same source text")
    kind: Kind
    path: list[PathStep]
    citation: Text
    text: Text = Field(description="clean text, agency tag removed")
    lead_agencies: list[AgencyRef]
    cooperating_agencies: list[AgencyRef]
    parent_id: str | None = Field(default=None, description="the measure a bullet belongs to")
    source_line: int = Field(description="1-based line in the cleaned source text")
    translation: dict[str, str] = Field(
        default_factory=lambda: {"en": UNOFFICIAL_EN},
        description="status of each non-source script's text",
    )

    def role_of(self, agency_id: str) -> Role | None:
        """The one definition of an agency's role in a passage: lead before cooperating."""
        if any(a.id == agency_id for a in self.lead_agencies):
            return "lead"
        if any(a.id == agency_id for a in self.cooperating_agencies):
            return "cooperating"
        return None


def json_schemas() -> dict[str, dict]:
    """JSON Schema of the published files, so outside tools can validate them."""
    return {
        "passage": Passage.model_json_schema(by_alias=True),
        "agency": Agency.model_json_schema(by_alias=True),
    }
