"""Collect and compress static files once per release: skipped when nothing changed.

The fingerprint covers every source file the finders see (path, size and modification
time, read from the file system without opening the files: hashing thousands of files'
content took seconds of every restart, #20; content only where a storage has no local
path), the storage backend and STATIC_URL. It is written beside the collected files after a
successful `collectstatic`; a restart with the same sources and a manifest in place
skips the work (compressing thousands of files took most of a minute).
"""

import hashlib
import os

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage
from django.core.management import call_command
from django.core.management.base import BaseCommand

STAMP_NAME = ".release-fingerprint"
IGNORE = ["CVS", ".*", "*~"]


def sources_fingerprint():
    digest = hashlib.sha256()
    digest.update(settings.STORAGES["staticfiles"]["BACKEND"].encode())
    digest.update(settings.STATIC_URL.encode())
    found = {}
    for finder in finders.get_finders():
        for path, storage in finder.list(IGNORE):
            # The first finder to list a path wins, as collectstatic does.
            found.setdefault(path, storage)
    for path in sorted(found):
        digest.update(path.encode() + b"\0")
        try:
            stat = os.stat(found[path].path(path))
        except NotImplementedError:  # a storage without local files: its content
            with found[path].open(path) as source:
                for chunk in iter(lambda source=source: source.read(1 << 20), b""):
                    digest.update(chunk)
        else:
            digest.update(f"{stat.st_size}:{stat.st_mtime_ns}".encode())
        digest.update(b"\0")
    return digest.hexdigest()


def collected_is_current(fingerprint):
    root = settings.STATIC_ROOT
    stamp = root / STAMP_NAME
    if not stamp.is_file() or stamp.read_text().strip() != fingerprint:
        return False
    if isinstance(staticfiles_storage, ManifestFilesMixin):
        return (root / staticfiles_storage.manifest_name).is_file()
    return True


class Command(BaseCommand):
    help = "Run collectstatic only when the static sources changed since the last run."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Collect even if unchanged.")

    def handle(self, *args, force, **options):
        fingerprint = sources_fingerprint()
        if not force and collected_is_current(fingerprint):
            if options["verbosity"]:
                self.stdout.write("static files unchanged: collectstatic skipped")
            return
        stamp = settings.STATIC_ROOT / STAMP_NAME
        stamp.unlink(missing_ok=True)
        call_command("collectstatic", interactive=False, verbosity=0)
        stamp.write_text(fingerprint + "\n")
        if options["verbosity"]:
            self.stdout.write("static files collected")
