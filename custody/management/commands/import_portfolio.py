from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from custody.import_limits import FileRefused
from custody.portfolio_io import PortfolioImportError, import_portfolio
from marketplace.models import Firm


class Command(BaseCommand):
    help = "Import a firm's IP portfolio from a CSV or XLSX file; nothing is written if any row is bad."

    def add_arguments(self, parser):
        parser.add_argument("--firm", required=True, help="The firm's unified social credit code.")
        parser.add_argument("path", help="A .csv or .xlsx file with the portfolio columns.")

    def handle(self, *args, firm, path, **options):
        try:
            target = Firm.objects.get(credit_code=firm.strip().upper())
        except Firm.DoesNotExist:
            raise CommandError(
                _("No firm has the credit code %(code)s.") % {"code": firm}
            ) from None
        try:
            created, updated = import_portfolio(firm=target, path=path)
        except PortfolioImportError as error:
            for row_error in error.errors:
                self.stderr.write(str(row_error))
            raise CommandError(
                _("Nothing imported: %(count)s problem(s) in %(path)s.")
                % {"count": len(error.errors), "path": path}
            ) from None
        except FileRefused as error:
            raise CommandError(error.message) from None
        except FileNotFoundError:
            raise CommandError(_("No file at %(path)s.") % {"path": path}) from None
        self.stdout.write(
            _("Imported %(created)s new and %(updated)s updated asset(s) for %(firm)s.")
            % {"created": created, "updated": updated, "firm": target}
        )
