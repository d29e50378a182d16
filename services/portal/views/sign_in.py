"""Sign-in and sign-out."""

from __future__ import annotations

import flask

from services.portal import auth
from services.portal.clients.base import ApiProblem, ServiceUnavailable
from services.portal.errors import service_down_message
from shared.auth import AuthError
from shared.logging import get_logger

log = get_logger(__name__)
blp = flask.Blueprint("auth", __name__)


@blp.route("/connexion", methods=["GET", "POST"])
def sign_in():
    if auth.current_member() and flask.request.method == "GET":
        return flask.redirect(flask.url_for("home.index"))
    email = flask.request.form.get("email", "").strip()
    error = None
    status = 200
    if flask.request.method == "POST":
        password = flask.request.form.get("password", "")
        if not email or not password:
            error = "Saisissez votre adresse électronique et votre mot de passe."
            status = 422
        else:
            try:
                tokens = flask.current_app.extensions["portal.clients"].registry().sign_in(
                    email, password, flask.request.remote_addr)
                auth.start_session(tokens, email)
            except ApiProblem as exc:
                if exc.status == 429:
                    error = ("Trop de tentatives de connexion. Patientez quelques minutes "
                             "avant de réessayer.")
                    status = 429
                else:
                    error = "Adresse électronique ou mot de passe incorrect."
                    status = 401
            except ServiceUnavailable as exc:
                error = service_down_message(exc.service)
                status = 503
            except AuthError as exc:
                log.error("sign_in_token_rejected", reason=exc.reason)
                error = "La connexion a échoué. Réessayez dans un instant."
                status = 503
            else:
                return flask.redirect(flask.url_for("home.index"))
    return flask.render_template("sign_in.html", email=email, error=error), status


@blp.route("/deconnexion", methods=["POST"])
def sign_out():
    auth.end_session()
    flask.flash("Vous êtes déconnecté·e.", "info")
    return flask.redirect(flask.url_for("auth.sign_in"))
