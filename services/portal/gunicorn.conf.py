from shared.http.gunicorn import gunicorn_settings

globals().update(gunicorn_settings(default_bind="127.0.0.1:8000", service="portal",
                                   preload_referential=True))
