"""Seed a fresh installation: a staff account and the `demo` blog with a few posts.

The staff account is made once, with a generated password printed that one time and kept
nowhere; later runs (another checkout on the same database included) never change it.
`manage.py reset_staff_password` sets a new one on request.
"""

import secrets

from django.core.management.base import BaseCommand
from django.db import transaction

from blog import services as blog_services
from blog.models import Post
from lib.urls import platform_url
from shared.accounts import services as account_services
from shared.accounts.models import User
from tenants import selectors, services
from tenants.context import tenant_context
from tenants.models import Tenant

DEMO_POSTS = [
    (
        "Welcome to Quire",
        "Quire gives every blog its own subdomain and its own database schema.\n\n"
        "* Write in **Markdown**\n* Publish when ready\n* Readers get a fast, clean page",
        "quire, welcome",
    ),
    (
        "Writing in Markdown",
        "Use `code`, *emphasis* and [links](https://example.com).\n\n"
        "| Feature | Supported |\n|---|---|\n| Tables | yes |\n| Footnotes | yes[^1] |\n\n"
        "[^1]: Like this one.",
        "markdown, writing",
    ),
    (
        "Hello from the demo blog",
        "This post was made by `manage.py seed_demo`. Log in and write your own.",
        "demo",
    ),
]


class Command(BaseCommand):
    help = "Create (or reuse) the staff account and the demo blog; prints how to log in."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--staff-email", default="admin@quire.localhost")

    def handle(self, *args, staff_email: str, **options) -> None:
        password = None
        with transaction.atomic():
            staff = User.objects.filter(email=staff_email).first()
            if staff is None:
                password = secrets.token_urlsafe(12)
                staff = account_services.user_create(
                    email=staff_email, password=password, is_staff=True
                )

            demo = Tenant.objects.filter(subdomain="demo").first()
            if demo is None:
                demo = services.tenant_provision(
                    subdomain="demo", name="Quire demo", owner=staff, allow_reserved=True
                )
        with tenant_context(demo):
            if not Post.objects.exists():
                for title, body, tags in DEMO_POSTS:
                    blog_services.post_create(
                        tenant=demo,
                        author=staff,
                        title=title,
                        body=body,
                        tags=tags,
                        action="publish",
                    )

        home = selectors.tenant_url(tenant=demo, path="/")
        self.stdout.write(self.style.SUCCESS("Quire is ready."))
        self.stdout.write(f"  demo blog:   {home}")
        if password is not None:
            self.stdout.write(f"  staff login: {staff_email} / {password}  (shown this once)")
        else:
            self.stdout.write(
                f"  staff login: {staff_email} (password shown when it was made; "
                "`.venv/bin/python manage.py reset_staff_password` sets a new one)"
            )
        root = platform_url(path="/")
        self.stdout.write(f"  platform:    {root}  (staff console: {root}admin/)")
        self.stdout.write(f"  dashboard:   {home}dashboard/  (log in there with the staff account)")
