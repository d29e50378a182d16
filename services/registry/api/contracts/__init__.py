"""Contracts (CLS), their territory, routing rules and pathways; the communes referential."""

BLUEPRINTS: list = []
