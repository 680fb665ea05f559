"""List conventions every API list shares: ordering refuses unknown fields, and
`updated_since` returns what changed at or after an instant, for incremental sync."""

import datetime

from django.core.exceptions import FieldDoesNotExist
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.filters import BaseFilterBackend, OrderingFilter

from core.formatting import join_words


class StrictOrderingFilter(OrderingFilter):
    """DRF's ordering, except that an unknown field is a 400 naming the allowed ones, not
    silently ignored (a client would otherwise sync in an order it did not ask for)."""

    def remove_invalid_fields(self, queryset, fields, view, request):
        allowed = [
            name for name, _label in self.get_valid_fields(queryset, view, {"request": request})
        ]
        unknown = [term for term in fields if term.lstrip("-") not in allowed]
        if unknown:
            raise serializers.ValidationError(
                {
                    self.ordering_param: [
                        _("Unknown ordering field(s): %(unknown)s. Allowed: %(allowed)s.")
                        % {"unknown": join_words(unknown), "allowed": join_words(sorted(allowed))}
                    ]
                }
            )
        return super().remove_invalid_fields(queryset, fields, view, request)


def _sync_field(model, view):
    """The column `updated_since` compares: the view's `sync_field`, else `updated_at`."""
    name = getattr(view, "sync_field", "updated_at")
    try:
        model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return name


def _model_of(view):
    queryset = getattr(view, "queryset", None)
    if queryset is None:
        try:
            queryset = view.get_queryset()
        except Exception:  # noqa: BLE001 — schema generation calls views without a real request
            return None
    return queryset.model


class UpdatedSinceFilter(BaseFilterBackend):
    """`?updated_since=<ISO 8601 instant>`: the rows changed at or after it (lists of
    resources that carry `updated_at`); elsewhere the parameter is refused with a 400."""

    param = "updated_since"

    def filter_queryset(self, request, queryset, view):
        value = request.query_params.get(self.param)
        if value is None:
            return queryset
        field = _sync_field(queryset.model, view)
        if field is None:
            raise serializers.ValidationError(
                {self.param: [_("This list cannot be filtered by update time.")]}
            )
        try:
            instant = parse_datetime(value.strip())
        except ValueError:
            instant = None
        if instant is None or instant.tzinfo is None:
            raise serializers.ValidationError(
                {
                    self.param: [
                        _("Give a date and time with its UTC offset, e.g. 2026-03-01T08:00:00Z.")
                    ]
                }
            )
        try:
            instant = instant.astimezone(datetime.UTC)
        except OverflowError:
            raise serializers.ValidationError(
                {self.param: [_("This date and time is out of range.")]}
            ) from None
        return queryset.filter(**{f"{field}__gte": instant})

    def get_schema_operation_parameters(self, view):
        model = _model_of(view)
        if model is None or _sync_field(model, view) is None:
            return []
        return [
            {
                "name": self.param,
                "required": False,
                "in": "query",
                "description": "Only rows changed at or after this instant (ISO 8601 with offset).",
                "schema": {"type": "string", "format": "date-time"},
            }
        ]
