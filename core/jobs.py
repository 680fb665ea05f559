"""Background jobs: Celery loads when the first job is queued, not when a process starts.

Importing Celery and its transport costs every process a tenth of a second or more; a
command or request that queues nothing (`manage.py check`, `allocate`, most pages) must not
pay for it. So the tasks modules (`<app>/tasks.py`) are imported only by the Celery worker
(autodiscovery) and through `tasks_module()`: code that queues a job holds a stand-in for
the module and queues as it would with a plain import,

    tasks = jobs.tasks_module("core.tasks")
    ...
    tasks.send_outbox_message.delay(message.pk)

The stand-in's first name read loads the project's Celery app (`settings.JOBS_APPLICATION`,
configured from the settings, whose tasks then bind to it), then the module. A tasks module
may import the actions it runs while those actions queue its tasks: neither imports the
other when it is loaded.
"""

import importlib
import types

from django.conf import settings
from django.utils.module_loading import import_string


def app():
    """The project's Celery app, imported and configured by the first caller."""
    return import_string(settings.JOBS_APPLICATION)


class _TasksModule(types.ModuleType):
    def __getattr__(self, attribute):
        module = self.__dict__.get("_module")
        if module is None:
            app()  # before the module: its tasks bind to the current app when first used
            module = importlib.import_module(self.__name__)
            self.__dict__["_module"] = module
        return getattr(module, attribute)


def tasks_module(name):
    """A stand-in for the tasks module `name`, loaded with Celery on first use."""
    return _TasksModule(name)
