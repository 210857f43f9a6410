"""Django's PostgreSQL backend, with statements prepared on the server (see base.py)."""

# In a statement's text, this keeps it from being prepared: PostgreSQL plans it for its
# values every time (base.py says when that matters).
PLANNED_EACH_TIME = "/* planned each time */"
