from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CoreConfig(AppConfig):
    name = "frontdesk.core"
    label = "core"

    def ready(self) -> None:
        from frontdesk.core.bulk import indexes_restore_pending

        # Sent once per app with models after every migrate (this app has none): the first
        # call does the work, the others find nothing left to do.
        post_migrate.connect(indexes_restore_pending, dispatch_uid="core-indexes-restore")
