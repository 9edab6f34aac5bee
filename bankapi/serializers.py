"""
Provides the serializer bases that every request body and query goes through.

A body is checked in one pass and every mistake in it is reported together: unknown fields, each
field's own rules, and the rules across fields (e.g. the password rules, which compare the password
with the other details). A client learns everything that is wrong in one round trip.
"""

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers
from rest_framework.fields import SkipField, empty, get_error_detail
from rest_framework.settings import api_settings

from bankapi.pagination import NewestFirstCursorPagination

UNKNOWN_FIELD = "Unknown or read-only field."
NOT_AN_OBJECT = "Expected a JSON object."
UNKNOWN_QUERY_PARAMETER = "Unknown query parameter."


def _merge(errors: dict[str, list], more: Mapping[str, Any]) -> None:
    for name, messages in more.items():
        errors.setdefault(name, []).extend(messages if isinstance(messages, list) else [messages])


class StrictSerializerMixin:
    """
    Rejects a body that is not a JSON object, and any field the serializer does not accept for
    writing, so that nothing (a role, a balance, an account number) is ever silently ignored or
    mass-assigned; and a JSON number where a string is due, which DRF would turn into one.

    `validate()` runs even when some fields are invalid, with the fields that passed their own
    rules, so that its errors are reported with theirs; it checks what it can from what it is
    given. `exactly_one_of` names fields of which a body must send exactly one (the OpenAPI schema
    says so too: `bankapi.schema.StrictSerializerScheme`).
    """

    exactly_one_of: tuple[str, ...] = ()

    def run_validation(self, data: Any = empty) -> Any:
        is_empty, data = self.validate_empty_values(data)  # type: ignore[attr-defined]
        if is_empty:
            return data
        if not isinstance(data, Mapping):
            raise serializers.ValidationError({api_settings.NON_FIELD_ERRORS_KEY: [NOT_AN_OBJECT]})
        errors: dict[str, list] = {}
        writable = {name for name, field in self.fields.items() if not field.read_only}  # type: ignore[attr-defined]
        _merge(errors, {name: [UNKNOWN_FIELD] for name in sorted(set(data) - writable)})
        values, field_errors = self._validate_fields(data)
        _merge(errors, field_errors)
        if self.exactly_one_of and sum(name in data for name in self.exactly_one_of) != 1:
            names = " or ".join(self.exactly_one_of)
            _merge(errors, {api_settings.NON_FIELD_ERRORS_KEY: [f"Send exactly one of {names}."]})
        try:
            self.run_validators(values)  # type: ignore[attr-defined]
            values = self.validate(values)  # type: ignore[attr-defined]
        except (serializers.ValidationError, DjangoValidationError) as exc:
            _merge(errors, serializers.as_serializer_error(exc))
        if errors:
            raise serializers.ValidationError(errors)
        return values

    def _validate_fields(self, data: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        """Each writable field's own rules, as DRF's `to_internal_value` runs them: (values, errors)."""
        values: dict[str, Any] = {}
        errors: dict[str, Any] = {}
        for field in self._writable_fields:  # type: ignore[attr-defined]
            validate_method = getattr(self, "validate_" + field.field_name, None)
            primitive = field.get_value(data)
            if isinstance(field, serializers.CharField) and isinstance(primitive, int | float):
                # DRF would take 123456.7890123 for the string "123456.7890123" (a valid password).
                errors[field.field_name] = [field.error_messages["invalid"]]
                continue
            try:
                value = field.run_validation(primitive)
                if validate_method is not None:
                    value = validate_method(value)
            except serializers.ValidationError as exc:
                errors[field.field_name] = exc.detail
            except DjangoValidationError as exc:
                errors[field.field_name] = get_error_detail(exc)
            except SkipField:
                pass
            else:
                self.set_value(values, field.source_attrs, value)  # type: ignore[attr-defined]
        return values, errors


class StrictSerializer(StrictSerializerMixin, serializers.Serializer):
    """A request body: unknown fields refused, every mistake reported at once."""


class StrictModelSerializer(StrictSerializerMixin, serializers.ModelSerializer):
    """A request body shaped by a model: unknown fields refused, every mistake reported at once."""


class QuerySerializer(serializers.Serializer):
    """
    A list's query parameters. A parameter sent with an empty value (`?status=`) is that value, and
    refused like any other invalid one: DRF would treat it as absent (the rule of HTML forms), so
    `?search=` would list everything while the schema says a search has at least 3 characters.
    The paginator's parameters (`cursor`, `page_size`) are left to it; any other parameter the list
    does not name is refused, as an unknown body field is, so that a misspelt filter (`?stauts=`)
    never quietly lists everything.
    """

    def __init__(self, *args: Any, data: Any = empty, **kwargs: Any) -> None:
        if hasattr(data, "getlist"):  # a QueryDict: its last value of each name, as plain strings
            data = {name: data.getlist(name)[-1] for name in data}
        super().__init__(*args, data=data, **kwargs)

    def run_validation(self, data: Any = empty) -> Any:
        paginator = NewestFirstCursorPagination
        known = {*self.fields, paginator.cursor_query_param, paginator.page_size_query_param}
        unknown = {name: [UNKNOWN_QUERY_PARAMETER] for name in sorted(set(data) - known)} if data is not empty else {}
        try:
            values = super().run_validation(data)
        except serializers.ValidationError as exc:
            raise serializers.ValidationError({**unknown, **serializers.as_serializer_error(exc)}) from exc
        if unknown:
            raise serializers.ValidationError(unknown)
        return values
