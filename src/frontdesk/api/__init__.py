"""The REST API at /api/ticketing/ (Django Ninja): a thin face over tickets' services and
selectors. See docs/api.md."""
