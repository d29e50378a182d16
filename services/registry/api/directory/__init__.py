"""Partners directory and access: organisations, members, sign-in, need categories."""

from services.registry.api.directory import (
    auth,
    members,
    need_categories,
    organisations,
    passwords,  # noqa: F401  (adds its route to the members blueprint)
)

BLUEPRINTS = [organisations.blp, members.blp, auth.blp, need_categories.blp]
