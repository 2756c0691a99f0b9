from allauth.account.forms import SignupForm as AllauthSignupForm
from allauth.account.utils import filter_users_by_email
from django import forms
from django.http import HttpRequest

from shared.accounts.models import User
from signup import services
from tenants import selectors as tenant_selectors
from tenants.subdomains import MAX_LENGTH, subdomain_validate


class BlogFieldsMixin(forms.Form):
    """Name and subdomain of a new blog, with the subdomain rules' own messages."""

    blog_name = forms.CharField(max_length=100, label="Blog name")
    subdomain = forms.CharField(
        max_length=MAX_LENGTH * 2,
        help_text="Letters, digits and hyphens; your blog will live at <subdomain>.",
    )

    def clean_blog_name(self) -> str:
        name = self.cleaned_data["blog_name"].strip()
        if not name:
            raise forms.ValidationError("Give your blog a name.")
        return name

    def clean_subdomain(self) -> str:
        sub = subdomain_validate(self.cleaned_data["subdomain"])
        if tenant_selectors.subdomain_taken(subdomain=sub):
            raise forms.ValidationError(
                f"'{sub}' is already taken: please choose another subdomain.", code="taken"
            )
        return sub


class NewBlogForm(BlogFieldsMixin):
    """My blogs -> New blog: a logged-in person's next blog."""


class SignupForm(BlogFieldsMixin, AllauthSignupForm):
    """allauth's signup form (`ACCOUNT_FORMS["signup"]`) plus the first blog's name and
    subdomain. allauth makes the account (its rate limit, signals and verification mail);
    `signup()` then makes the blog in the same transaction (signup.views.SignupView).

    An address that already has an account is never reported here: the form is valid, no
    account is made, and allauth mails that address instead (same answer either way)."""

    field_order = ["blog_name", "subdomain", "email", "password1"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.order_fields(self.field_order)
        self.tenant = None

    def validate_unique_email(self, value: str) -> str:
        self.account_already_exists = bool(filter_users_by_email(value))
        return value

    def signup(self, request: HttpRequest, user: User) -> None:
        data = self.cleaned_data
        self.tenant = services.signup_blog_create(
            owner=user, name=data["blog_name"], subdomain=data["subdomain"]
        )
