"""The portal's pages, one blueprint per area (who uses it)."""

from services.portal.views import (
    admin,
    admin_catalogue,
    admin_rules,
    coordinator,
    handler,
    home,
    inbox,
    referrer,
    sign_in,
)

BLUEPRINTS = [sign_in.blp, home.blp, referrer.blp, handler.blp, coordinator.blp, admin.blp,
              admin_rules.blp, admin_catalogue.blp, inbox.blp]
