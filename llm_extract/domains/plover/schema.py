"""Who did what to whom: political interactions coded with the PLOVER event ontology."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field, model_validator

from llm_extract.core.records import DateExpression, EventRecord, EvidenceRefs

PloverType = Literal[
    "AGREE",
    "CONSULT",
    "SUPPORT",
    "CONCEDE",
    "COOPERATE",
    "AID",
    "RETREAT",
    "REQUEST",
    "ACCUSE",
    "REJECT",
    "THREATEN",
    "PROTEST",
    "SANCTION",
    "MOBILIZE",
    "COERCE",
    "ASSAULT",
]

#: One-line definitions, shown to the model by the template.
DEFINITIONS: dict[str, str] = {
    "AGREE": "agree to, sign or promise something (deals, ceasefires, pledges)",
    "CONSULT": "meet, visit, talk or negotiate",
    "SUPPORT": "praise, endorse, defend or express support verbally",
    "CONCEDE": "give in: release, ease restrictions, step down, return territory",
    "COOPERATE": "act together: joint operations, diplomatic or economic cooperation",
    "AID": "give material, military, economic or humanitarian aid",
    "RETREAT": "withdraw forces, pull back, leave an area",
    "REQUEST": "ask, appeal or demand that someone act",
    "ACCUSE": "blame, criticise, denounce or allege wrongdoing",
    "REJECT": "refuse, deny, veto or reject a demand or proposal",
    "THREATEN": "threaten force, sanctions or other harm; issue ultimatums",
    "PROTEST": "demonstrate, strike, riot or boycott",
    "SANCTION": "impose sanctions, expel, cut ties, suspend aid",
    "MOBILIZE": "deploy or mass forces, raise alert levels, move convoys",
    "COERCE": "arrest, detain, seize, blockade, ban, censor, impose curfews",
    "ASSAULT": "use force: attacks, clashes, bombing, killing, capture of territory",
}


class PloverEvent(EventRecord):
    """One interaction between political actors: who did what to whom, where and when."""

    max_records = 8
    prompt_template = "plover.j2"
    prompt_context: ClassVar[dict[str, Any]] = {"definitions": DEFINITIONS}

    event_type: PloverType = Field(description="PLOVER event type of the action.")
    source_actor: str = Field(min_length=2, description="Who acted (the doer).")
    target_actor: str | None = Field(description="Who it was done to, or null if nobody.")
    event_date: DateExpression
    location: str | None = Field(description="Place where it happened, or null.")
    summary: str = Field(min_length=10, description="One sentence saying who did what to whom.")
    evidence: EvidenceRefs

    @model_validator(mode="after")
    def _distinct_actors(self) -> PloverEvent:
        if self.target_actor and self.target_actor.strip().lower() == self.source_actor.lower():
            raise ValueError(
                "source_actor and target_actor are the same; the target is who the action was "
                "done to (use null if there is none)"
            )
        return self


SCHEMA = PloverEvent
__all__ = ["SCHEMA", "PloverEvent"]
