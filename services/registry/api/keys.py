"""The public keys other services verify access tokens with (JWKS, RFC 7517)."""

import flask
from flask.views import MethodView
from flask_smorest import Blueprint

blp = Blueprint("keys", __name__, url_prefix="/.well-known",
                description="Public keys of the access-token issuer.")


@blp.route("/jwks.json")
class JsonWebKeySet(MethodView):
    @blp.response(200)
    def get(self):
        """The JWK set; public, cached briefly by verifiers."""
        response = flask.jsonify(flask.current_app.extensions["relais.keys"].jwks())
        response.headers["Cache-Control"] = "public, max-age=60"
        return response
