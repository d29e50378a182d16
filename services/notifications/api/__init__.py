"""The notifications service's HTTP API: one blueprint per resource."""
