from django import forms

from blog.models import Post
from blog.services import MAX_TAG_LENGTH, MAX_TAGS, PostInvalid, tags_parse

MAX_BODY_BYTES = 500_000


class PostForm(forms.Form):
    title = forms.CharField(max_length=200)
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 18}), required=False, strip=False)
    tags = forms.CharField(
        required=False,
        help_text=f"Comma-separated, up to {MAX_TAGS} tags of {MAX_TAG_LENGTH} characters.",
    )

    def clean_body(self) -> str:
        body = self.cleaned_data["body"]
        size = len(body.encode())
        if size > MAX_BODY_BYTES:
            raise forms.ValidationError(
                f"The post is too long ({size // 1000} KB): the limit is 500 KB."
            )
        return body

    def clean_tags(self) -> list[str]:
        try:
            return tags_parse(self.cleaned_data["tags"])
        except PostInvalid as exc:
            raise forms.ValidationError(str(exc)) from exc

    @classmethod
    def for_post(cls, post: Post) -> "PostForm":
        return cls(initial={"title": post.title, "body": post.body, "tags": ", ".join(post.tags)})
