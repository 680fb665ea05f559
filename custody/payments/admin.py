"""Admin of what the programme office keeps for payments: the account firms pay into."""

from django.contrib import admin

from custody.payments.models import PayeeAccount


@admin.register(PayeeAccount)
class PayeeAccountAdmin(admin.ModelAdmin):
    list_display = ("account_name", "bank_name", "account_number", "valid_from")
    ordering = ("-valid_from",)
