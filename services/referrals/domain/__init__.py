"""The referrals service's model and rules: pure Python, no Flask, kombu or SQLAlchemy."""
