"""Partners directory and access: organisations, members, sign-in, need categories."""

from services.registry.api.directory import organisations

BLUEPRINTS = [organisations.blp]
