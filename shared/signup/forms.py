from django import forms

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


from django.contrib.auth.password_validation import validate_password  # noqa: E402

from shared.accounts.models import User  # noqa: E402


class SignupForm(forms.Form):
    blog_name = forms.CharField(max_length=100, label="Blog name")
    subdomain = forms.CharField(
        max_length=MAX_LENGTH * 2,
        help_text="Letters, digits and hyphens; your blog will live at <subdomain>.",
    )
    email = forms.EmailField(max_length=254)
    password = forms.CharField(widget=forms.PasswordInput, strip=False)

    def clean_subdomain(self) -> str:
        sub = subdomain_validate(self.cleaned_data["subdomain"])
        if tenant_selectors.subdomain_taken(subdomain=sub):
            raise forms.ValidationError(
                f"'{sub}' is already taken: please choose another subdomain.", code="taken"
            )
        return sub

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].lower()
        if User.objects.filter(email=email).exists():
            raise forms.ValidationError(
                "An account with this email already exists: log in, or use another email.",
                code="email_taken",
            )
        return email

    def clean(self) -> dict:
        data = super().clean()
        if data.get("password") and data.get("email"):
            try:
                validate_password(data["password"], User(email=data["email"]))
            except forms.ValidationError as exc:
                self.add_error("password", exc)
        return data
