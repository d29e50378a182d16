"""Notifications: everyone concerned learns what changed, through the channel they chose."""
