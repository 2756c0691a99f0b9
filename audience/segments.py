"""Who on the list may read the whole of a gated post: an upper app (paid memberships)
registers the answer; audience itself knows only that every subscriber is a member of the
free tier. A newsletter of a gated post goes out in two versions, the whole post to those
with access and the public part with an upgrade button to everyone else."""

from collections.abc import Callable, Iterable

from blog.models import Post

FullAccess = Callable[[Post, list[int]], set[int]]
_deciders: list[FullAccess] = []


def full_access_register(decide: FullAccess) -> None:
    """`decide(post, subscriber_ids)` returns the ids among them that may read all of it."""
    if decide not in _deciders:
        _deciders.append(decide)


def full_access(post: Post, subscriber_ids: Iterable[int]) -> set[int]:
    ids = list(subscriber_ids)
    if not post.is_gated:
        return set(ids)
    if post.visibility == Post.Visibility.MEMBERS:
        return set(ids)  # every subscriber is a member of the free tier
    allowed: set[int] = set()
    for decide in _deciders:
        allowed |= decide(post, ids)
    return allowed
