"""HTTP layer shared by the services: app factory, problem+json errors, probes, metrics."""

from shared.http.app import create_service_app
from shared.http.problems import ApiError, problem_response

__all__ = ["ApiError", "create_service_app", "problem_response"]
