#!/usr/bin/env python
import gc
import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django
    from django.core.management import execute_from_command_line

    # Start-up makes some hundred thousand objects that live as long as the command
    # (models, URL patterns, Wagtail's API schemas); the collector walked them again and
    # again while they were made, a tenth of `manage.py check`. Collect none while
    # setting up, then keep them out of later collections (as config/asgi.py does).
    gc.disable()
    try:
        django.setup()
    finally:
        gc.enable()
    gc.freeze()
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
