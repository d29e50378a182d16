"""The home page sends each member to where their work is."""

from __future__ import annotations

import flask

from services.portal import auth

blp = flask.Blueprint("home", __name__)


@blp.route("/")
@auth.login_required()
def index():
    for role, endpoint in (("handler", "handler.queue"), ("referrer", "referrer.my_referrals"),
                           ("coordinator", "coordinator.contracts"), ("admin", "admin.index")):
        if auth.has_role(role):
            return flask.redirect(flask.url_for(endpoint))
    return flask.render_template("home.html")
