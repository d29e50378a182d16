"""Generation lineage: how a new contract takes over its predecessor's axes and fiches.

Each link goes from an item of the predecessor (source) to an item of the new
contract (target): `continued` (one to one), `merged` (several sources into one
target), `split` (one source into several targets) or `dropped` (no target).
A fiche's history follows the links both ways, across as many generations as
there are.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

RELATIONS = ("continued", "merged", "split", "dropped")
ITEM_KINDS = ("axis", "action")
RELATION_LABELS = {"continued": "reconduite", "merged": "fusionnée", "split": "scindée",
                   "dropped": "abandonnée"}


class InvalidLink(ValueError):
    def __init__(self, field_name: str, message: str):
        super().__init__(message)
        self.field = field_name


@dataclass(frozen=True)
class Link:
    contract_id: uuid.UUID          # the new contract, owner of the mapping
    predecessor_id: uuid.UUID       # the contract the source belongs to
    kind: str
    source_id: uuid.UUID
    relation: str
    target_id: uuid.UUID | None = None
    note: str = ""
    id: uuid.UUID = field(default_factory=uuid.uuid4)

    def __post_init__(self):
        if self.kind not in ITEM_KINDS:
            raise InvalidLink("kind", f"Type inconnu : {self.kind!r}.")
        if self.relation not in RELATIONS:
            raise InvalidLink("relation", f"Relation inconnue : {self.relation!r}.")
        if self.relation == "dropped" and self.target_id is not None:
            raise InvalidLink("target_id", "Un élément abandonné n'a pas de successeur.")
        if self.relation != "dropped" and self.target_id is None:
            raise InvalidLink("target_id", "Indiquez l'élément du nouveau contrat.")
        if self.predecessor_id == self.contract_id:
            raise InvalidLink("source_id", "La source doit appartenir au contrat précédent.")
        if len(self.note) > 1000:
            raise InvalidLink("note", "La note dépasse 1000 caractères.")


def check_link(link: Link, existing: Iterable[Link]) -> None:
    """A new link must agree with the links already held for its source and target.

    A source has one relation: once continued or dropped it has no other link, and
    split sources may have several targets. A target fed by a merge takes merges only;
    a continued target has exactly one source.
    """
    existing = [other for other in existing if other.id != link.id]
    from_source = [other for other in existing if other.source_id == link.source_id]
    if any(other.target_id == link.target_id for other in from_source):
        raise InvalidLink("target_id", "Ce lien existe déjà.")
    if from_source:
        relations = {other.relation for other in from_source}
        if relations != {link.relation} or link.relation in ("continued", "dropped"):
            raise InvalidLink("relation", "Cet élément est déjà rattaché au nouveau contrat "
                                          f"({', '.join(sorted(relations))}).")
    if link.target_id is None:
        return
    into_target = [other for other in existing if other.target_id == link.target_id]
    if into_target:
        relations = {other.relation for other in into_target}
        if link.relation != "merged" or relations != {"merged"}:
            raise InvalidLink("relation", "Plusieurs sources vers un même élément : "
                                          "utilisez « merged » pour chacune.")


@dataclass(frozen=True)
class HistoryStep:
    """One link of a fiche's history. `generation` places the link's target side
    relative to the fiche (0: the fiche's own contract, -1: its predecessor, 1: its
    successor...); the source side is one generation earlier."""

    link: Link
    generation: int


def walk_history(start_id: uuid.UUID,
                 links_touching: Callable[[set[uuid.UUID]], list[Link]]) -> list[HistoryStep]:
    """Every link connected to `start_id`, backwards and forwards across generations
    (split and merged siblings included). `links_touching(ids)` returns the links whose
    source or target is among `ids`; a cycle in bad data ends the walk, never loops."""
    steps: dict[uuid.UUID, HistoryStep] = {}
    generation_of = {start_id: 0}
    frontier = {start_id}
    while frontier:
        reached: set[uuid.UUID] = set()
        for link in links_touching(frontier):
            if link.id in steps:
                continue
            if link.target_id in generation_of:
                generation = generation_of[link.target_id]
            else:
                generation = generation_of[link.source_id] + 1
            steps[link.id] = HistoryStep(link, generation)
            for item, item_generation in ((link.source_id, generation - 1),
                                          (link.target_id, generation)):
                if item is not None and item not in generation_of:
                    generation_of[item] = item_generation
                    reached.add(item)
        frontier = reached
    return sorted(steps.values(),
                  key=lambda step: (step.generation, str(step.link.source_id),
                                    str(step.link.target_id)))
