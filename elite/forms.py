"""The login forms of the site and of the back office: Django's, with the username's length checked.

Django's AuthenticationForm shows the user model's maximum length in the page but never checks it, and passes any
username on to authenticate(); django-axes then records a failed attempt with it, in a column of 255 characters,
which PostgreSQL refuses with a server error. A username longer than any account's is a form error here.
"""

from __future__ import annotations

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator


class UsernameLengthCheck:
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["username"]
        field.validators.append(MaxLengthValidator(field.max_length))


class LoginForm(UsernameLengthCheck, AuthenticationForm):
    pass


class AdminLoginForm(UsernameLengthCheck, AdminAuthenticationForm):
    pass
