"""Errors as French pages: a service down, an expired session, a refused form."""

from __future__ import annotations

import flask
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from services.portal.clients.base import ApiProblem, NotAuthenticated, ServiceUnavailable
from services.portal.sessions import SessionStoreUnavailable
from shared.logging import get_logger

log = get_logger(__name__)

SERVICE_LABELS = {
    "registry": "l'annuaire du contrat local de santé",
    "referrals": "le service des signalements",
    "notifications": "le service des notifications",
}
PAGES = {
    400: ("Demande invalide", "La demande n'a pas pu être traitée."),
    403: ("Accès refusé", "Votre rôle ne permet pas d'accéder à cette page."),
    404: ("Page introuvable", "Cette page n'existe pas, ou vous n'y avez pas accès."),
    405: ("Action impossible", "Cette action n'est pas possible sur cette page."),
    413: ("Envoi trop volumineux", "Le formulaire envoyé est trop volumineux."),
    500: ("Erreur inattendue", "Une erreur inattendue est survenue. Réessayez dans un instant."),
}


def service_down_message(service: str) -> str:
    what = SERVICE_LABELS.get(service, "un service de Relais")
    return (f"Relais ne parvient pas à joindre {what} pour le moment. "
            "Réessayez dans quelques instants ; vos données ne sont pas perdues.")


def render_error(status: int, title: str | None = None, message: str | None = None):
    default_title, default_message = PAGES.get(status, PAGES[500])
    return flask.render_template("error.html", title=title or default_title,
                                 message=message or default_message, status=status), status


def init_app(app: flask.Flask) -> None:
    @app.errorhandler(ServiceUnavailable)
    def service_unavailable(exc: ServiceUnavailable):
        return render_error(503, "Service momentanément indisponible",
                            service_down_message(exc.service))

    @app.errorhandler(SessionStoreUnavailable)
    def session_store_unavailable(_exc):
        log.error("session_store_unavailable")
        # No session: the layout must not try to read the member.
        flask.g.no_session = True
        return render_error(503, "Service momentanément indisponible",
                            "Les sessions de Relais sont indisponibles pour le moment. "
                            "Réessayez dans quelques instants.")

    @app.errorhandler(NotAuthenticated)
    def not_authenticated(_exc):
        flask.session.clear()
        flask.flash("Votre session a expiré. Reconnectez-vous.", "info")
        return flask.redirect(flask.url_for("auth.sign_in"))

    @app.errorhandler(ApiProblem)
    def api_problem(exc: ApiProblem):
        # A 4xx the view did not expect: the object is unknown or not the member's.
        log.info("upstream_refused", status=exc.status, code=exc.code)
        if exc.status in (403, 404):
            return render_error(404)
        return render_error(400, "Action impossible", exc.detail or PAGES[400][1])

    @app.errorhandler(CSRFError)
    def csrf_error(_exc):
        return render_error(400, "Formulaire expiré",
                            "Le formulaire a expiré ou n'est pas valide. "
                            "Rechargez la page et recommencez.")

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        return render_error(exc.code or 500)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        log.exception("unhandled_error", error=type(exc).__name__)
        return render_error(500)
