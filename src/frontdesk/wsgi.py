import os

from django.core.wsgi import get_wsgi_application

os.umask(0o077)  # what the server writes in the data directory is private (core/datadir.py)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "frontdesk.settings")
application = get_wsgi_application()
