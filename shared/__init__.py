"""Relais' common library: settings, events, messaging, HTTP, auth and test helpers.

Every service imports it; no service imports another service's code.
"""
