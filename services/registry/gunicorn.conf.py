from shared.http.gunicorn import gunicorn_settings

globals().update(gunicorn_settings(default_bind="127.0.0.1:8001", service="registry",
                                   preload_referential=True))
