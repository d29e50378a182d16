"""gunicorn settings of the reference apps: exactly the Relais APIs' (RELAIS_WEB_*)."""

from shared.http.gunicorn import gunicorn_settings

globals().update(gunicorn_settings(default_bind="127.0.0.1:8099", service="bench"))
