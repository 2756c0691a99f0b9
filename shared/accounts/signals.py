"""Signals sent by the account services when a blog's members change.

shared/* never imports the apps built on it (blog, tenants, api, webhooks), so a service here
announces the change and those apps listen (`webhooks/receivers.py` queues the outgoing
webhooks). Sent inside the service's transaction: a receiver that writes (or queues on
commit) is undone with it. Receivers must not do the work themselves.

Arguments: `tenant_id`, `user_id`, `email`, `role`.
"""

from django.dispatch import Signal

member_added = Signal()
member_removed = Signal()
