"""Model fields shared by the marketplace's models."""

from django.db import models

from marketplace.validators import normalise_credit_code


class CreditCodeField(models.CharField):
    """A unified social credit code, stored as the registry writes it (upper case, compact), so
    that a code typed in lower case anywhere (admin, forms, API) finds the existing holder."""

    def to_python(self, value):
        value = super().to_python(value)
        return normalise_credit_code(value) if value else value
