from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.validators import MaxLengthValidator
from django.forms.models import ModelChoiceIterator, ModelChoiceIteratorValue
from django.utils.translation import gettext_lazy as _

from cxm.dates import in_range
from cxm.models import Language, User
from cxm.roles import Role
from cxm.selectors import user_labels
from odata.models import Store


class _UserChoices(ModelChoiceIterator):
    """The choices read once, each labelled knowing the others (namesakes get the username)."""

    def __iter__(self) -> Any:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        users = list(self.queryset)
        labels = user_labels((user.pk, user.name, user.get_username()) for user in users)
        given = getattr(self.field, "labels", None) or {}
        for user in users:
            label = given.get(user.pk, labels[user.pk])
            yield (ModelChoiceIteratorValue(self.field.prepare_value(user), user), label)


class UserChoiceField(forms.ModelChoiceField):
    """A select of users, named as every list of users is named (`user_labels`).

    A page that lists people elsewhere too sets `labels` (user id → label, from the union of
    its lists), so each person reads the same in the select and beside it."""

    iterator = _UserChoices
    labels: Mapping[int, str] | None = None

    def label_from_instance(self, obj: Any) -> str:
        return str(obj.display_name)


class LoginForm(AuthenticationForm):
    """Django's login form; its labels and errors are translated like ours."""

    error_messages = {
        "invalid_login": _(
            "The username or password is not correct. Both are case-sensitive. After 5 failed "
            "attempts, signing in is paused for 15 minutes."
        ),
        "inactive": _("This account is switched off. Ask an admin to switch it on."),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Django sets only the widget's maxlength here. Without the check, a longer username
        # went on to authenticate() and django-axes, whose record of the failure holds 255
        # characters: a server error instead of the form.
        max_length = self.username_field.max_length or 150
        self.fields["username"].validators.append(MaxLengthValidator(max_length))


class ManagedStoresField(forms.ModelMultipleChoiceField):
    """Stores by name and code; one managed by someone else than `user` says by whom."""

    user: User | None = None
    # Each manager's name as the list shows it (namesakes with their username).
    manager_labels: dict[int, str] | None = None

    def label_from_instance(self, obj: Any) -> str:
        label = f"{obj.name} ({obj.external_id})"
        manager = obj.manager
        if manager is None or (self.user is not None and manager.pk == self.user.pk):
            return label
        if self.manager_labels is None:
            stores = self.queryset if self.queryset is not None else Store.objects.none()
            managers = {s.manager for s in stores if s.manager is not None}
            self.manager_labels = user_labels((m.pk, m.name, m.username) for m in managers)
        name = self.manager_labels.get(manager.pk, manager.display_name)
        return _("%(store)s · managed by %(name)s") % {"store": label, "name": name}


class UserForm(forms.Form):
    # The model's own rules, checked here so a bad value is a form error, not a server error:
    # letters, digits and @.+-_ in a username; an address that fits the column.
    username = forms.CharField(
        label=_("Username"), max_length=150, validators=[UnicodeUsernameValidator()]
    )
    name = forms.CharField(label=_("Name"), max_length=150, required=False)
    email = forms.EmailField(label=_("E-mail"), max_length=254, required=False)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    language = forms.ChoiceField(
        label=_("Language"),
        choices=[("", _("Browser's language")), *Language.choices],
        required=False,
    )
    stores = ManagedStoresField(
        label=_("Stores managed"),
        queryset=Store.objects.none(),
        to_field_name="code",
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_(
            "A store has one manager: choosing a store here takes it from its current manager. "
            "New tasks routed to a store's manager go to this person, who also sees the "
            "store's tasks. Tasks already open keep their owner."
        ),
    )

    def __init__(self, *args: Any, instance: User | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance = instance
        stores: Any = self.fields["stores"]
        stores.queryset = Store.objects.select_related("manager").order_by("name", "external_id")
        stores.user = instance
        if instance is not None:
            # The username is the login name; renaming it would surprise its owner.
            self.fields["username"].disabled = True

    def clean_role(self) -> Role:
        return Role(self.cleaned_data["role"])

    def clean_username(self) -> str:
        username = self.cleaned_data["username"].strip()
        if self.instance is None and User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("This username is taken."))
        return username

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip()
        others = User.objects.filter(email__iexact=email)
        if self.instance is not None:
            others = others.exclude(pk=self.instance.pk)
        if email and others.exists():
            raise forms.ValidationError(_("Another user already has this e-mail address."))
        return email


class NewUserForm(UserForm):
    send_invitation = forms.BooleanField(
        label=_("E-mail a link to choose a password"), required=False, initial=True
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("send_invitation") and not data.get("email"):
            self.add_error("email", _("An invitation needs an e-mail address."))
        return data


class EditUserForm(UserForm):
    is_active = forms.BooleanField(label=_("Can sign in"), required=False)


class LanguageForm(forms.Form):
    language = forms.ChoiceField(choices=Language.choices)
    next = forms.CharField(required=False)


class ResetRequestForm(PasswordResetForm):
    """Only validates the address; the view hands it to `request_password_reset`."""


def validate_filter_date(value: date) -> None:
    if not in_range(value):
        raise forms.ValidationError(_("Enter a date from 1900 to 2100."), code="out_of_range")
