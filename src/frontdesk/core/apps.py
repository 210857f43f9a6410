from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CoreConfig(AppConfig):
    name = "frontdesk.core"
    label = "core"

    def ready(self) -> None:
        from huey.contrib.djhuey import HUEY

        from frontdesk.core.bulk import indexes_restore_pending
        from frontdesk.core.model_texts import model_texts_translate
        from frontdesk.core.request_id import install_job_hooks

        # Jobs carry the id of the request that queued them into their log lines.
        install_job_hooks(HUEY)

        # Models' and fields' names in the reader's language, with no migration.
        model_texts_translate()

        # Sent once per app with models after every migrate: the first
        # call does the work, the others find nothing left to do.
        post_migrate.connect(indexes_restore_pending, dispatch_uid="core-indexes-restore")
