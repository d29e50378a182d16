"""The notifications service's persistence: its tables and read models."""
