"""Django's SQLite backend with writers that wait their turn in order (see base.py)."""
