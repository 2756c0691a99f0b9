"""What happens to a blog, announced to the apps above (which connect in their `ready()`).

tenants/ never imports those apps: a blog's analytics, files and caches belong to them.

- `tenant_purging(tenant)`: inside the transaction that drops the blog's schema and row;
  a receiver that fails rolls the purge back.
- `tenant_purged(schema_name)`: after that commit; receivers log their own failures (the data
  is unreachable already).
- `tenant_hosts_changed(tenant)`: a custom domain was added, verified, made primary or
  removed, so the links a page holds may name another host.
"""

from django.dispatch import Signal

tenant_purging = Signal()
tenant_purged = Signal()
tenant_hosts_changed = Signal()
