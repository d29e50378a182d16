"""The registry's model and rules: pure Python, no Flask, kombu or SQLAlchemy."""
