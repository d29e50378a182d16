"""The contract registry: who is who and what the contract says; issues access tokens."""
