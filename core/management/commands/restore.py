from django.core.management.base import BaseCommand, CommandError

from core import backups


class Command(BaseCommand):
    help = "Replace the database and media with those of a backup archive, then check row counts."

    def add_arguments(self, parser):
        parser.add_argument("archive")
        parser.add_argument(
            "--yes", action="store_true", help="Do not ask before replacing the current data."
        )

    def handle(self, *args, archive, yes, **options):
        try:
            manifest = backups.read_manifest(archive)
        except (OSError, backups.BackupError) as error:
            raise CommandError(f"{archive}: {error}") from error
        if not yes:
            answer = input(
                f"Replace this site's data with the backup of {manifest['created_at']}? [y/N] "
            )
            if answer.strip().lower() != "y":
                raise CommandError("Restore cancelled; nothing was changed.")
        try:
            backups.restore(archive)
        except backups.BackupError as error:
            raise CommandError(str(error)) from error
        differences = {
            label: (saved, now)
            for label, saved in manifest["row_counts"].items()
            if (now := backups.row_counts().get(label)) != saved
        }
        if differences:
            raise CommandError(f"Restored, but row counts differ: {differences}")
        self.stdout.write(f"Restored the backup of {manifest['created_at']}; row counts match.")
