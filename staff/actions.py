"""Staff actions on blogs: what each needs (a reason, a plan) and the confirmation form."""

from dataclasses import dataclass

from django import forms

from shared.billing import plans as plan_data
from tenants.models import Tenant

PLAN_CHOICES = [(c, d["name"]) for c, d in plan_data.PLAN_DEFAULTS.items()]
Status = Tenant.Status


@dataclass(frozen=True)
class ConsoleAction:
    """A staff action: its wording, what it asks for, and which blogs it applies to."""

    title: str  # "Suspend"
    done: str  # "Suspended"
    reason_required: bool
    applies_to: tuple[str, ...]  # blog statuses that show its button on the blog's page
    needs_plan: bool = False
    danger: bool = False


ACTIONS: dict[str, ConsoleAction] = {
    "suspend": ConsoleAction(
        "Suspend", "Suspended", True, (Status.ACTIVE,), danger=True
    ),
    "reactivate": ConsoleAction("Reactivate", "Reactivated", False, (Status.SUSPENDED,)),
    "change_plan": ConsoleAction(
        "Change plan", "Changed the plan of", False, (Status.ACTIVE, Status.SUSPENDED),
        needs_plan=True,
    ),
    "rerun_migrations": ConsoleAction(
        "Re-run migrations", "Checked the migrations of", False,
        (Status.ACTIVE, Status.SUSPENDED),
    ),
    "rebuild_search": ConsoleAction(
        "Rebuild search", "Queued a search rebuild for", False, (Status.ACTIVE, Status.SUSPENDED)
    ),
    "soft_delete": ConsoleAction(
        "Delete", "Deleted", True, (Status.ACTIVE, Status.SUSPENDED), danger=True
    ),
    "undelete": ConsoleAction("Undelete", "Undeleted", False, (Status.DELETED,)),
}  # fmt: skip


def reason_suffix(after: dict) -> str:
    reason = (after or {}).get("reason")
    return f" · “{reason}”" if reason else ""


class ConsoleActionForm(forms.Form):
    """The confirmation page's form: a reason (required where the action says so), a plan."""

    reason = forms.CharField(
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="Kept in the audit log; for a suspension or deletion, also sent to the owner.",
    )
    plan = forms.ChoiceField(
        required=False,
        choices=[("", "---"), *PLAN_CHOICES],
        error_messages={"required": "Choose a plan to move the blogs to."},
    )

    def __init__(self, *args, action: ConsoleAction, **kwargs):
        super().__init__(*args, **kwargs)
        self.action = action
        self.fields["reason"].required = action.reason_required
        if action.needs_plan:
            self.fields["plan"].required = True
        else:
            del self.fields["plan"]
