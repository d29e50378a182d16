"""The referrals service's persistence: its tables and read models."""
