"""What happens to a post, announced to the apps above blog (webhooks, and whatever else
listens), which connect in their `ready()`: blog never imports them.

`post_event(tenant_id, event, post)` is sent inside the transaction that made the change;
`event` is one of "post.published", "post.updated", "post.unpublished", "post.deleted".
A receiver that only queues work should do it on commit.
"""

from django.dispatch import Signal

post_event = Signal()
