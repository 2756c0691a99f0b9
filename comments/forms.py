"""The dashboard's comment rules form."""

from django import forms

from comments.models import CommentSettings
from comments.rules import block_normalise


class CommentRulesForm(forms.Form):
    policy = forms.ChoiceField(choices=CommentSettings.Policy.choices, label="Who may comment")
    moderation = forms.ChoiceField(choices=CommentSettings.Moderation.choices, label="Approval")
    close_after_days = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=3650,
        label="Close comments after (days)",
        help_text="Empty: never. A post's own setting wins.",
    )
    max_links = forms.IntegerField(
        min_value=0, max_value=50, label="Hold a comment with more links than"
    )
    held_words = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        label="Hold comments with these words",
        help_text="One word or phrase per line.",
    )
    blocks = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=20_000,
        label="Blocked (their comments go to spam)",
        help_text="One per line: an email address, an IP address or range (203.0.113.0/24), "
        "or member:<id>.",
    )
    akismet_key = forms.CharField(
        required=False,
        max_length=64,
        label="Akismet key",
        help_text="With a key, comments are checked by Akismet before they are published.",
    )
    gravatar = forms.BooleanField(
        required=False, label="Show Gravatar pictures (sends a hash of commenters' addresses)"
    )

    def clean_blocks(self) -> list[dict]:
        blocks, problems = [], []
        for line in self.cleaned_data["blocks"].splitlines():
            line = line.strip()
            if not line:
                continue
            if line.startswith("member:"):
                kind, value = "member", line.removeprefix("member:")
            elif "@" in line:
                kind, value = "email", line
            else:
                kind, value = "ip", line
            try:
                blocks.append(block_normalise(kind=kind, value=value))
            except ValueError as exc:
                problems.append(str(exc))
        if problems:
            raise forms.ValidationError(problems)
        return blocks


def blocks_text(blocks: list[dict]) -> str:
    return "\n".join(
        f"member:{b['value']}" if b.get("kind") == "member" else str(b.get("value", ""))
        for b in blocks
    )
