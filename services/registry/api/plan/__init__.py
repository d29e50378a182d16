"""Action plan (axes, fiches actions, indicators), governance and generation lineage."""

from services.registry.api.plan import (
    actions,
    axes,
    bodies,
    contract_indicators,
    export,
    indicators,
    lineage,
    meetings,
)

BLUEPRINTS: list = [axes.blp, actions.blp, indicators.blp, export.blp, bodies.blp,
                    meetings.blp, lineage.blp, contract_indicators.blp]
