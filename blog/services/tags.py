"""Writes for tags: rename and merge, across every post of the blog."""

from django.db import transaction

from blog.cache import blog_changed
from blog.models import Post
from blog.services.posts import PostInvalid, _queue_search_refresh, tags_parse
from tenants.models import Tenant


def tags_merge(*, tenant: Tenant, sources: list[str], target: str) -> int:
    """Replace every tag in `sources` by `target` on every post; returns posts changed.

    Renaming is merging one tag into a new name. Order on each post is kept, duplicates go.
    """
    (target,) = tags_parse([target]) or ("",)
    if not target:
        raise PostInvalid("Give the new tag name.")
    sources = [s for s in tags_parse(sources) if s != target]
    if not sources:
        return 0
    changed = 0
    with transaction.atomic():
        posts = Post.objects.filter(tags__overlap=sources).only("id", "tags").select_for_update()
        for post in posts:
            tags: list[str] = []
            for tag in post.tags:
                tag = target if tag in sources else tag
                if tag not in tags:
                    tags.append(tag)
            Post.objects.filter(id=post.id).update(tags=tags, search_vector=None)
            _queue_search_refresh(post.id, tenant=tenant)
            changed += 1
        blog_changed()
    return changed


def tag_rename(*, tenant: Tenant, old: str, new: str) -> int:
    return tags_merge(tenant=tenant, sources=[old], target=new)
