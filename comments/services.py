"""Writing comments and likes: create, edit, delete, moderate, like, and the blog's rules.

A comment's status is decided when it is made: a writer's is approved; otherwise a block sends
it to spam, and the blog's moderation, a held word or too many links hold it. With an Akismet
key, a comment that would be approved waits (pending, "spam check") for the check, which runs
in a worker. Every change a reader can see retires the post's cached thread (comments.cache);
events go out after commit: webhooks (`comment.created`, `comment.approved`,
`comment.deleted`), notification mails, and the platform's daily counts.
"""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from blog.cache import blog_changed
from blog.models import Post
from comments import cache, dispatch, stats
from comments.markup import comment_render, links_count
from comments.models import BODY_LIMIT, Comment, CommentSettings, Like
from comments.rules import (
    EDIT_MINUTES,
    Commenter,
    block_normalise,
    blocked,
    comment_rules_get,
    held_word,
    may_comment,
    post_comments_state,
)
from lib.errors import ApplicationError, Conflict, NotAllowed
from webhooks.services import webhook_events_emit

Status = Comment.Status
MIN_SECONDS = 3  # a form sent sooner than this after it was handed out is a bot's
SPAM_CHECK = "spam check"


class CommentInvalid(ApplicationError):
    """Bad input: the message says what to change (the typed text is kept by the form)."""


def _text(raw: str, *, field: str, limit: int, required: bool = True) -> str:
    if "\x00" in raw:
        raise CommentInvalid(f"The {field} contains a NUL character: remove it and send again.")
    value = raw.strip()
    if required and not value:
        raise CommentInvalid(f"Write a {field} first.")
    if len(value) > limit:
        raise CommentInvalid(
            f"The {field} is {len(value):,} characters long; the limit is {limit:,}."
        )
    return value


def _guest_fields(*, name: str, email: str, url: str) -> tuple[str, str, str]:
    name = " ".join(_text(name, field="name", limit=100).split())  # one line, as in mail headers
    email = _text(email, field="email address", limit=254).lower()
    try:
        validate_email(email)
    except ValidationError:
        raise CommentInvalid("Enter an email address like name@example.com.") from None
    url = _text(url, field="website", limit=300, required=False)
    if url:
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError:
            raise CommentInvalid("A website starts with https:// (or http://).") from None
    return name, email, url


def _status_for(
    *, rules: CommentSettings, commenter: Commenter, email: str, body: str, ip: str | None
) -> tuple[str, str]:
    if commenter.kind == "writer":
        return Status.APPROVED, ""
    if blocked(rules=rules, commenter=commenter, email=email, ip=ip):
        return Status.SPAM, "blocked"
    if rules.moderation == CommentSettings.Moderation.ALL:
        return Status.PENDING, "every comment is held"
    word = held_word(rules=rules, text=body)
    if word:
        return Status.PENDING, f"held word: {word}"[:100]
    links = links_count(body)
    if links > rules.max_links:
        return Status.PENDING, f"{links} links"
    if (
        rules.moderation == CommentSettings.Moderation.FIRST
        and not Comment.objects.filter(author_email=email, status=Status.APPROVED).exists()
    ):
        return Status.PENDING, "first comment"
    if rules.akismet_key:
        return Status.PENDING, SPAM_CHECK
    return Status.APPROVED, ""


def _published(
    comment: Comment, *, tenant_id: int, created: bool, tell_author: bool = True
) -> None:
    """After commit: what an approved comment sets off."""
    schema = connection.schema_name
    events = ["comment.created", "comment.approved"] if created else ["comment.approved"]
    _emit(tenant_id=tenant_id, events=events, comment=comment)
    dispatch.notify(comment.id, schema_name=schema, author=tell_author)


def _emit(*, tenant_id: int, events: list[str], comment: Comment) -> None:
    data = {
        "id": comment.id,
        "post_id": comment.post_id,
        "parent_id": comment.parent_id,
        "status": comment.status,
        "author_name": comment.author_name,
        "html": comment.body_html,
        "created_at": comment.created_at.isoformat(),
    }
    transaction.on_commit(
        lambda: webhook_events_emit(tenant_id=tenant_id, events=events, data=data)
    )


def comment_create(
    *,
    tenant_id: int,
    post: Post,
    commenter: Commenter | None,
    body: str,
    parent_id: int | None = None,
    name: str = "",
    email: str = "",
    url: str = "",
    nonce: str | None = None,
    ip: str | None = None,
    user_agent: str = "",
    source: str = Comment.Source.FORM,
) -> Comment:
    """A new comment or reply under `post`, or the one this form's `nonce` already made."""
    rules = comment_rules_get()
    refusal = may_comment(rules=rules, commenter=commenter)
    if refusal:
        raise NotAllowed(refusal)
    state = post_comments_state(post=post, rules=rules)
    if state != "open":
        raise NotAllowed(f"Comments on this post are {state}.")
    body = _text(body, field="comment", limit=BODY_LIMIT)
    if commenter is None:
        name, email, url = _guest_fields(name=name, email=email, url=url)
        commenter = Commenter(kind="guest", name=name, email=email, url=url)
    if nonce:
        made = Comment.objects.filter(nonce=nonce).first()
        if made is not None:
            return made
    parent = None
    if parent_id is not None:
        parent = Comment.objects.filter(id=parent_id, post_id=post.id).first()
        if parent is None:
            raise CommentInvalid("That comment is not under this post: reply to one that is.")
        if parent.status != Status.APPROVED:
            raise Conflict("That comment was deleted or is not published: reply to the post.")
    status, reason = _status_for(
        rules=rules, commenter=commenter, email=commenter.email, body=body, ip=ip
    )
    comment = Comment(
        post=post,
        parent=parent,
        member=commenter.member,
        user_id=commenter.user_id,
        author_name=commenter.name[:100],
        author_email=commenter.email,
        author_url=commenter.url,
        body=body,
        body_html=comment_render(body),
        status=status,
        reason=reason,
        source=source,
        ip=ip,
        user_agent=user_agent[:300],
        nonce=nonce or None,
    )
    try:
        with transaction.atomic():
            comment.save()
    except IntegrityError:  # the same form sent twice at once: the first one stands
        made = Comment.objects.filter(nonce=nonce).first() if nonce else None
        if made is None:
            raise
        return made
    schema = connection.schema_name
    transaction.on_commit(lambda: stats.comment_counted(tenant_id=tenant_id, spam=status == "spam"))
    if status == Status.APPROVED:
        cache.thread_changed(post_id=post.id)
        _published(comment, tenant_id=tenant_id, created=True)
    elif status == Status.PENDING:
        _emit(tenant_id=tenant_id, events=["comment.created"], comment=comment)
        if reason == SPAM_CHECK:
            dispatch.spam_check(comment.id, schema_name=schema)
        else:
            dispatch.notify(comment.id, schema_name=schema)  # "waiting for you" to the author
    return comment


def _own(comment: Comment, *, commenter: Commenter | None, guest_ids: list[int]) -> bool:
    if commenter is not None and commenter.kind == "member" and commenter.member is not None:
        return comment.member_id == commenter.member.id
    if commenter is not None and commenter.kind == "writer":
        return comment.user_id == commenter.user_id
    return comment.id in guest_ids and comment.member_id is None and comment.user_id is None


def comment_edit(
    *, comment_id: int, commenter: Commenter | None, guest_ids: list[int], body: str
) -> Comment:
    """The author's edit, within EDIT_MINUTES of writing. Locks the row: an edit racing a
    delete finds it deleted and says so."""
    body = _text(body, field="comment", limit=BODY_LIMIT)
    with transaction.atomic():
        comment = Comment.objects.select_for_update().filter(id=comment_id).first()
        if comment is None or comment.status == Status.DELETED:
            raise Conflict("This comment was deleted: it can't be edited.")
        if not _own(comment, commenter=commenter, guest_ids=guest_ids):
            raise NotAllowed("Only the comment's author can edit it.")
        if timezone.now() > comment.created_at + timedelta(minutes=EDIT_MINUTES):
            raise NotAllowed(f"Comments can be edited for {EDIT_MINUTES} minutes after writing.")
        comment.body, comment.body_html = body, comment_render(body)
        comment.edited_at = timezone.now()
        rules = comment_rules_get()
        if comment.status == Status.APPROVED and commenter and commenter.kind != "writer":
            links = links_count(body)
            if links > rules.max_links or held_word(rules=rules, text=body):
                comment.status, comment.reason = Status.PENDING, f"edited: {links} links"
        comment.save(update_fields=["body", "body_html", "edited_at", "status", "reason"])
    cache.thread_changed(post_id=comment.post_id)
    return comment


def _remove(comment: Comment) -> list[int]:
    """Delete a comment: a placeholder while it has replies, gone otherwise (and a deleted
    parent left with no replies goes too). Returns the ids removed or blanked."""
    touched = [comment.id]
    if Comment.objects.filter(parent_id=comment.id).exclude(status=Status.SPAM).exists():
        comment.status, comment.body, comment.body_html = Status.DELETED, "", ""
        comment.save(update_fields=["status", "body", "body_html"])
        return touched
    parent_id = comment.parent_id
    comment.delete()
    while parent_id is not None:
        parent = Comment.objects.select_for_update().filter(id=parent_id).first()
        if parent is None or parent.status != Status.DELETED:
            break
        if Comment.objects.filter(parent_id=parent.id).exists():
            break
        parent_id = parent.parent_id
        touched.append(parent.id)
        parent.delete()
    return touched


def comment_delete(
    *, tenant_id: int, comment_id: int, commenter: Commenter | None, guest_ids: list[int]
) -> None:
    """The author deletes their own comment (at any time). Deleting twice is fine."""
    with transaction.atomic():
        comment = Comment.objects.select_for_update().filter(id=comment_id).first()
        if comment is None or comment.status == Status.DELETED:
            return
        if not _own(comment, commenter=commenter, guest_ids=guest_ids):
            raise NotAllowed("Only the comment's author can delete it.")
        _emit(tenant_id=tenant_id, events=["comment.deleted"], comment=comment)
        _remove(comment)
        cache.thread_changed(post_id=comment.post_id)


MODERATION_ACTIONS = ("approve", "spam", "delete", "block")


def comments_moderate(
    *, tenant_id: int, comment_ids: list[int], action: str, author_id: int | None = None
) -> int:
    """Approve, mark as spam, delete or block (spam, and block its author's email, address and
    member) each comment; `author_id` limits it to that author's posts (an author moderates
    their own posts only). Returns how many comments it changed."""
    if action not in MODERATION_ACTIONS:
        raise CommentInvalid(f"Unknown action {action!r}: one of {', '.join(MODERATION_ACTIONS)}.")
    changed, posts = 0, set()
    with transaction.atomic():
        found = Comment.objects.select_for_update().filter(id__in=comment_ids[:500])
        if author_id is not None:
            found = found.filter(post__author_id=author_id)
        comments = list(found.order_by("-id"))
        new_blocks: list[dict] = []
        for comment in comments:
            was = comment.status
            if action == "approve" and was in (Status.PENDING, Status.SPAM):
                comment.status, comment.reason = Status.APPROVED, ""
                comment.save(update_fields=["status", "reason"])
                # The post's author heard of it while it waited (or is the one approving).
                _published(comment, tenant_id=tenant_id, created=False, tell_author=False)
            elif action in ("spam", "block") and was != Status.DELETED:
                comment.status, comment.reason = Status.SPAM, "moderator"
                comment.save(update_fields=["status", "reason"])
                if action == "block":
                    new_blocks += _blocks_of(comment)
                transaction.on_commit(lambda: stats.spam_marked(tenant_id=tenant_id))
            elif action == "delete" and was != Status.DELETED:
                _emit(tenant_id=tenant_id, events=["comment.deleted"], comment=comment)
                if Comment.objects.filter(id=comment.id).exists():  # not gone with a reply
                    _remove(comment)
            else:
                continue
            changed += 1
            if was == Status.APPROVED or comment.status == Status.APPROVED:
                posts.add(comment.post_id)
        if new_blocks:
            rules = CommentSettings.objects.select_for_update().get_or_create(id=1)[0]
            rules.blocks = _merged(rules.blocks or [], new_blocks)
            rules.save(update_fields=["blocks"])
    for post_id in posts:
        cache.thread_changed(post_id=post_id)
    return changed


def _blocks_of(comment: Comment) -> list[dict]:
    blocks = []
    if comment.author_email:
        blocks.append({"kind": "email", "value": comment.author_email.lower()})
    if comment.member_id:
        blocks.append({"kind": "member", "value": str(comment.member_id)})
    if comment.ip:
        blocks.append({"kind": "ip", "value": comment.ip})
    return blocks


def _merged(current: list[dict], more: list[dict]) -> list[dict]:
    merged, seen = list(current), {(b.get("kind"), b.get("value")) for b in current}
    for block in more:
        if (block["kind"], block["value"]) not in seen:
            seen.add((block["kind"], block["value"]))
            merged.append(block)
    return merged


def comment_spam_verdict(*, tenant_id: int, comment_id: int, spam: bool) -> bool:
    """The spam check's answer for a comment still waiting on it (task); False when the
    comment has moved on (approved or removed by a moderator meanwhile)."""
    with transaction.atomic():
        comment = Comment.objects.select_for_update().filter(id=comment_id).first()
        if comment is None or comment.status != Status.PENDING or comment.reason != SPAM_CHECK:
            return False
        if spam:
            comment.status, comment.reason = Status.SPAM, "akismet"
            comment.save(update_fields=["status", "reason"])
            transaction.on_commit(lambda: stats.spam_marked(tenant_id=tenant_id))
            return True
        comment.status, comment.reason = Status.APPROVED, ""
        comment.save(update_fields=["status", "reason"])
        cache.thread_changed(post_id=comment.post_id)
        _published(comment, tenant_id=tenant_id, created=False)
    return True


def like_toggle(
    *, post: Post, comment_id: int | None, commenter: Commenter | None
) -> tuple[bool, int]:
    """Like or unlike a post or one of its approved comments: (liked now, the count)."""
    if commenter is None or not commenter.who:
        raise NotAllowed("Sign in as a member to like posts and comments.")
    if (
        comment_id is not None
        and not Comment.objects.filter(
            id=comment_id, post_id=post.id, status=Status.APPROVED
        ).exists()
    ):
        raise CommentInvalid("That comment is not under this post.")
    with transaction.atomic():
        existing = Like.objects.filter(post=post, comment_id=comment_id, who=commenter.who)
        if existing.delete()[0]:
            liked, step = False, -1
        else:
            try:
                with transaction.atomic():
                    Like.objects.create(post=post, comment_id=comment_id, who=commenter.who)
            except IntegrityError:  # two clicks at once: liked once
                pass
            liked, step = True, 1
        if comment_id is not None:
            Comment.objects.filter(id=comment_id).update(likes=F("likes") + step)
            count = Comment.objects.values_list("likes", flat=True).get(id=comment_id)
        else:
            count = Like.objects.filter(post=post, comment__isnull=True).count()
        cache.thread_changed(post_id=post.id)  # the thread shows both counts
    return liked, max(count, 0)


def replies_unsubscribe(*, comment_id: int) -> bool:
    return Comment.objects.filter(id=comment_id).update(notify_replies=False) > 0


RULE_FIELDS = (
    "policy",
    "moderation",
    "close_after_days",
    "max_links",
    "held_words",
    "akismet_key",
    "gravatar",
)


def comment_rules_set(**values) -> CommentSettings:
    """The blog's rules (the dashboard's form, which validates them). Every thread changes
    with them: the blog's pages are retired."""
    with transaction.atomic():
        rules = CommentSettings.objects.select_for_update().get_or_create(id=1)[0]
        for field in RULE_FIELDS:
            if field in values:
                setattr(rules, field, values[field])
        if "blocks" in values:
            rules.blocks = [block_normalise(**b) for b in values["blocks"]]
        rules.save()
        blog_changed()
    return rules


def notifications_choose(*, user_id: int, choice: str) -> None:
    if choice not in ("each", "digest", "off"):
        raise CommentInvalid("Choose each, digest or off.")
    with transaction.atomic():
        rules = CommentSettings.objects.select_for_update().get_or_create(id=1)[0]
        rules.notifications = {**(rules.notifications or {}), str(user_id): choice}
        rules.save(update_fields=["notifications"])
