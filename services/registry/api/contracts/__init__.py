"""Contracts (CLS), their territory, routing rules and pathways; the communes referential."""

from services.registry.api.contracts import communes, contracts, coverage, pathways, routing_rules

BLUEPRINTS = [communes.blp, contracts.blp, routing_rules.blp, coverage.blp, pathways.blp]
