"""Relais' deployable services. Each is self-contained: none imports another."""
