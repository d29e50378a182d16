"""Action plan (axes, fiches actions, indicators), governance and generation lineage."""

BLUEPRINTS: list = []
