"""The registry's persistence: tables, repositories, signing keys."""
