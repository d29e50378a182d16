"""Clients of the three APIs, built once per app and given the member's token per request."""
