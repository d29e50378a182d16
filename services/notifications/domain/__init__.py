"""The notifications service's model and rules: pure Python, no Flask, kombu or SQLAlchemy."""
