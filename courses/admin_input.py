"""What the back office does with input it cannot use: keys that cannot be keys, dates past the calendar's end,
searches of more words than anyone types.

Django's admin passes some values straight to the database or to date arithmetic: the rows ticked for an action,
the value a bound autocomplete box shows again, the keys chosen in a many-to-many box, the date hierarchy's year,
month and day. A value that is not a key (`abc`, `²`, 99999999999999999999) or a day without a next one (31 December
9999) becomes a server error there, and a search of a thousand words a query the database cannot finish.
Every ModelAdmin of the site takes InputCheckingAdmin (ours directly; Django's and django-axes' through elite/admin.py).

In courses, the lowest app, so that every app's admin may use it (apps never import the project package, elite).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple, RelatedFieldWidgetWrapper
from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpRequest
from django.utils.safestring import SafeString
from django.utils.text import smart_split
from django.utils.translation import gettext as _

from courses.widgets import escaped


def is_key(field: models.Field, value: object) -> bool:
    """Whether `value` is something `field` can hold: a number in the column's range for an integer key."""
    try:
        field.run_validators(field.to_python(value))
    except (ValidationError, ValueError, TypeError):
        return False
    return True


class KeyCheckingAutocompleteMixin:
    """Shows again only the values that can be keys of the related table; Django would look them all up."""

    def optgroups(self, name: str, value: list[str], attr: dict | None = None) -> list:
        remote = self.field.remote_field
        target = remote.model._meta.get_field(getattr(remote, "field_name", None) or remote.model._meta.pk.name)
        return super().optgroups(name, [v for v in value if is_key(target, v)], attr)


class KeyCheckingAutocompleteSelect(KeyCheckingAutocompleteMixin, AutocompleteSelect):
    pass


class KeyCheckingAutocompleteSelectMultiple(KeyCheckingAutocompleteMixin, AutocompleteSelectMultiple):
    pass


class KeyCheckingModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Refuses a value that cannot be a key before asking for all of them at once: SQLite cannot even take an
    integer beyond 64 bits as a parameter, and Django checks only each value's type, not its range."""

    def _check_values(self, value):  # Django's step that looks the chosen keys up
        key = self.queryset.model._meta.get_field(self.to_field_name) if self.to_field_name else None
        for chosen in value:
            if not is_key(key or self.queryset.model._meta.pk, chosen):
                raise ValidationError(
                    self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": chosen}
                )
        return super()._check_values(value)


class DateCheckingChangeList(ChangeList):
    """A date hierarchy day, month or year without a following one (?expires_on__year=9999) is a bad lookup, as
    Django treats an impossible date already: the list is shown again with its "errors" flag, not a server error."""

    def get_filters(self, request: HttpRequest):
        try:
            return super().get_filters(request)
        except (ValueError, OverflowError) as error:
            if not self.date_hierarchy:
                raise
            raise IncorrectLookupParameters(error) from error


# Each word of a search is one more condition on every searched column. Measured on PostgreSQL, the enrollments'
# search takes 6 ms for five words that match, 0.1 s for six, 1.8 s for ten; a thousand words leave PostgreSQL
# planning for many minutes where no cancel reaches it, and are past SQLite's limit on an expression's depth.
MAX_SEARCH_WORDS = 5


def too_many_words(model_admin: admin.ModelAdmin, request: HttpRequest, search_term: str) -> bool:
    """Whether a search has more words than MAX_SEARCH_WORDS; it then finds nothing, and the changelist says why.

    Words as Django's search splits them: on spaces, with quoted phrases kept together.
    """
    if len(list(smart_split(search_term))) <= MAX_SEARCH_WORDS:
        return False
    match = request.resolver_match
    if match is None or match.url_name != "autocomplete":  # an autocomplete box has no page to show a message on
        model_admin.message_user(
            request,
            _("Search for at most %(count)d words at a time: a name, an e-mail address or a code.")
            % {"count": MAX_SEARCH_WORDS},
            messages.WARNING,
        )
    return True


class InputCheckingAdmin:
    """Mixed into a ModelAdmin (before it): searches, autocomplete boxes, actions and the date hierarchy check their
    input."""

    def action_checkbox(self, obj: models.Model) -> str:
        """Django's row checkbox, the same markup written out: its widget renders a template for every row, which
        was a fifth of a 100-row list's time."""
        # As format_html writes it: the translated sentence is markup, the object's name is escaped into it.
        label = _("Select this object for an action - {}").format(escaped(str(obj)))
        return SafeString(
            f'<input type="checkbox" name="{helpers.ACTION_CHECKBOX_NAME}" value="{escaped(str(obj.pk))}" '
            f'class="action-select" aria-label="{label}">'
        )

    def get_search_results(self, request: HttpRequest, queryset: models.QuerySet, search_term: str):
        # The changelist and the autocomplete boxes both search through here; an admin with a search of its own
        # asks too_many_words() itself.
        if too_many_words(self, request, search_term):
            return queryset.none(), False
        return super().get_search_results(request, queryset, search_term)

    def formfield_for_dbfield(self, db_field: models.Field, request: HttpRequest, **kwargs: Any):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        # The row chosen in a PROTECTed key can never be deleted while this one points at it: no "Delete" beside it.
        widget = getattr(formfield, "widget", None)
        if isinstance(widget, RelatedFieldWidgetWrapper) and getattr(db_field.remote_field, "on_delete", None) is (
            models.PROTECT
        ):
            widget.can_delete_related = False
        return formfield

    def formfield_for_foreignkey(self, db_field: models.ForeignKey, request: HttpRequest, **kwargs: Any):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = KeyCheckingAutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field: models.ManyToManyField, request: HttpRequest, **kwargs: Any):
        kwargs.setdefault("form_class", KeyCheckingModelMultipleChoiceField)
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = KeyCheckingAutocompleteSelectMultiple(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        # An admin with a ChangeList of its own makes it a DateCheckingChangeList itself.
        changelist = super().get_changelist(request, **kwargs)
        return DateCheckingChangeList if changelist is ChangeList else changelist

    def response_action(self, request: HttpRequest, *args: Any, **kwargs: Any):
        selected = request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
        if not all(is_key(self.model._meta.pk, value) for value in selected):
            self.message_user(
                request,
                _("The rows sent with the action are not rows of this list. Tick them again and run the action."),
                messages.WARNING,
            )
            return None  # back to the list, as when no row is ticked
        return super().response_action(request, *args, **kwargs)


def with_input_checks(model_admin: type[admin.ModelAdmin]) -> type[admin.ModelAdmin]:
    """The ModelAdmin class with InputCheckingAdmin mixed in (for admins registered by other packages)."""
    if issubclass(model_admin, InputCheckingAdmin):
        return model_admin
    return type(model_admin.__name__, (InputCheckingAdmin, model_admin), {"__module__": model_admin.__module__})
