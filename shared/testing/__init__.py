"""Test helpers shared by every service (pytest plugin, fixtures, tokens)."""
