from django import forms
from django.core.validators import URLValidator
from django.utils import timezone

from blog.access import tier_choices
from blog.models import BlogSettings, Post
from blog.services import (
    MAX_BODY_BYTES,
    MAX_TAG_LENGTH,
    MAX_TAGS,
    PostInvalid,
    SettingsInvalid,
    navigation_parse,
    post_version,
    settings_version,
    tags_parse,
)
from shared.accounts.models import Membership
from tenants.models import Tenant

_http_only = URLValidator(schemes=["http", "https"], message="Use an http:// or https:// address.")


def _body_checked(body: str) -> str:
    size = len(body.encode())
    if size > MAX_BODY_BYTES:
        raise forms.ValidationError(
            f"The post is too long ({size // 1000} KB): the limit is 500 KB."
        )
    return body


class PostForm(forms.Form):
    title = forms.CharField(max_length=200)
    slug = forms.CharField(max_length=220, required=False, help_text="Empty: made from the title.")
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 18}),
        required=False,
        strip=False,
        label="Body (Markdown)",
    )
    excerpt = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="Shown in lists and feeds. Empty: the start of the body.",
    )
    tags = forms.CharField(
        required=False,
        help_text=f"Comma-separated, up to {MAX_TAGS} tags of {MAX_TAG_LENGTH} characters.",
    )
    meta_description = forms.CharField(max_length=300, required=False)
    canonical_url = forms.CharField(
        max_length=500, required=False, validators=[_http_only], label="Canonical URL"
    )
    cover_image_url = forms.CharField(
        max_length=500, required=False, validators=[_http_only], label="Cover image URL"
    )
    visibility = forms.ChoiceField(
        choices=Post.Visibility.choices,
        initial=Post.Visibility.PUBLIC,
        required=False,  # a form without it (an old tab, a script) keeps the post public
        label="Who reads all of it",
        help_text="Put <!--members-only--> on a line of its own: what is above it is for "
        "everyone, the rest for those chosen here. Without it, all of a gated post is.",
    )
    access_tiers = forms.TypedMultipleChoiceField(
        coerce=int,
        required=False,
        label="Tiers",
        widget=forms.CheckboxSelectMultiple,
        help_text='For "Chosen tiers".',
    )
    # The post's version when the editor was opened (`services.post_version`): a save from a
    # copy that another save has overtaken is refused, and the writer merges.
    base_version = forms.CharField(required=False, widget=forms.HiddenInput, max_length=64)
    publish_at = forms.DateTimeField(
        required=False,
        label="Publish at",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="For Schedule: a time in the future.",
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Read and shown in the member's own time zone (shared.accounts.timezones).
        zone = timezone.get_current_timezone_name()
        self.fields["publish_at"].label = f"Publish at ({zone})"
        tiers = tier_choices()
        self.fields["access_tiers"].choices = tiers
        if not tiers:  # nothing sells tiers: the choice would mean nothing
            del self.fields["access_tiers"]
            self.fields["visibility"].choices = [
                c for c in Post.Visibility.choices if c[0] != Post.Visibility.TIERS
            ]

    def clean(self) -> dict:
        data = super().clean()
        if data.get("visibility") == Post.Visibility.TIERS and not data.get("access_tiers"):
            self.add_error("access_tiers", "Choose at least one tier that may read this post.")
        return data

    def clean_body(self) -> str:
        return _body_checked(self.cleaned_data["body"])

    def clean_tags(self) -> list[str]:
        try:
            return tags_parse(self.cleaned_data["tags"])
        except PostInvalid as exc:
            raise forms.ValidationError(str(exc)) from exc

    @classmethod
    def for_post(cls, post: Post) -> "PostForm":
        return cls(
            initial={
                "title": post.title,
                "slug": post.slug,
                "body": post.body,
                "excerpt": post.excerpt,
                "tags": ", ".join(post.tags),
                "meta_description": post.meta_description,
                "canonical_url": post.canonical_url,
                "cover_image_url": post.cover_image_url,
                "visibility": post.visibility,
                "access_tiers": post.access_tiers,
                "publish_at": post.published_at if post.status == Post.Status.SCHEDULED else None,
                "base_version": post_version(post),
            }
        )


class PreviewForm(forms.Form):
    """What the editor's live preview sends: the title and the Markdown body."""

    title = forms.CharField(max_length=200, required=False)
    body = forms.CharField(required=False, strip=False)

    def clean_body(self) -> str:
        return _body_checked(self.cleaned_data["body"])


class SettingsForm(forms.Form):
    title = forms.CharField(max_length=100, required=False, help_text="Empty: the blog's name.")
    tagline = forms.CharField(max_length=200, required=False)
    # What the form was opened at (`services.settings_version`): see PostForm.base_version.
    base_version = forms.CharField(required=False, widget=forms.HiddenInput, max_length=64)
    description = forms.CharField(
        max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    language = forms.ChoiceField(choices=Tenant.Language.choices)
    theme = forms.ChoiceField(choices=BlogSettings.Theme.choices)
    accent = forms.RegexField(
        regex=r"^#[0-9a-fA-F]{6}$",
        max_length=7,
        widget=forms.TextInput(attrs={"type": "color"}),
        error_messages={"invalid": "Write the accent colour as #rrggbb, for example #3559e0."},
    )
    posts_per_page = forms.IntegerField(min_value=1, max_value=100)
    navigation = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="One link per line: Label | /about/  or  Label | https://example.org",
    )
    footer = forms.CharField(max_length=500, required=False)

    def __init__(self, *args, blog_name: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.blog_name = blog_name

    def clean_title(self) -> str:
        """The blog's name is the default title: keeping it (as prefilled) saves no title, so
        the title follows the name if the name changes."""
        title = self.cleaned_data["title"].strip()
        return "" if title == self.blog_name else title

    def clean_navigation(self) -> list[dict[str, str]]:
        try:
            return navigation_parse(self.cleaned_data["navigation"])
        except SettingsInvalid as exc:
            raise forms.ValidationError(str(exc)) from exc

    @classmethod
    def for_blog(cls, *, settings: BlogSettings, language: str, blog_name: str) -> "SettingsForm":
        nav = "\n".join(f"{link['label']} | {link['url']}" for link in settings.navigation)
        return cls(
            blog_name=blog_name,
            initial={
                "title": settings.title or blog_name,
                "tagline": settings.tagline,
                "description": settings.description,
                "language": language,
                "theme": settings.theme,
                "accent": settings.accent,
                "posts_per_page": settings.posts_per_page,
                "navigation": nav,
                "footer": settings.footer,
                "base_version": settings_version(settings),
            },
        )


class TagMergeForm(forms.Form):
    sources = forms.CharField(
        label="Tags", help_text="One tag to rename, or several (comma-separated) to merge."
    )
    target = forms.CharField(max_length=MAX_TAG_LENGTH, label="Into")

    def clean_sources(self) -> list[str]:
        try:
            return tags_parse(self.cleaned_data["sources"])
        except PostInvalid as exc:
            raise forms.ValidationError(str(exc)) from exc


class InviteForm(forms.Form):
    email = forms.EmailField()
    role = forms.ChoiceField(
        choices=Membership.Role.choices,
        initial=Membership.Role.AUTHOR,
        help_text="Owner: everything. Editor: all posts and pages. Author: their own posts.",
    )
