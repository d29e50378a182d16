"""The referrals service's HTTP API: one blueprint per resource."""
