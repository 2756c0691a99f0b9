from django.core.management.base import BaseCommand, CommandError

from blog import dispatch
from blog import search as blog_search
from lib.queue import enqueue
from tenants.context import tenant_context
from tenants.models import Tenant
from tenants.progress import ProgressBar


class Command(BaseCommand):
    help = "Rebuild full-text search vectors for one blog (--tenant) or for every blog."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--tenant", metavar="SUBDOMAIN", help="only this blog")
        parser.add_argument(
            "--queue",
            action="store_true",
            help="fan the work out to Celery workers instead of running it here",
        )

    def handle(self, *args, tenant: str | None, queue: bool, **options) -> None:
        tenants = Tenant.objects.exclude(status=Tenant.Status.DELETED).order_by("id")
        if tenant:
            tenants = tenants.filter(subdomain=tenant.strip().lower())
            if not tenants:
                raise CommandError(f"No blog with the subdomain {tenant!r}.")
        if queue:
            if tenant:
                name, schema, what = (
                    dispatch.SEARCH_REBUILD_TENANT,
                    tenants[0].schema_name,
                    tenants[0].subdomain,
                )
            else:
                name, schema, what = dispatch.SEARCH_REBUILD_DISPATCH, "public", "every blog"
            if not enqueue(name, schema_name=schema):
                raise CommandError("Could not queue the rebuild: is the broker (Redis) up?")
            self.stdout.write(f"queued a rebuild of {what}")
            return
        if tenant:
            blog = tenants[0]
            bar = ProgressBar(0, label=f"{blog.subdomain}: posts")
            with tenant_context(blog):
                rewritten = blog_search.search_index_rebuild(
                    config=blog_search.search_config(tenant=blog), progress=self._progress(bar)
                )
            bar.close()
            self.stdout.write(f"rebuilt {rewritten} search vectors of {blog.subdomain}")
            return
        blogs = list(tenants)
        bar = ProgressBar(len(blogs), label="blogs")
        rewritten = 0
        for i, blog in enumerate(blogs, 1):
            with tenant_context(blog):
                rewritten += blog_search.search_index_rebuild(
                    config=blog_search.search_config(tenant=blog)
                )
            bar.update(i)
        bar.close()
        self.stdout.write(f"rebuilt {rewritten} search vectors in {len(blogs)} blogs")

    @staticmethod
    def _progress(bar: ProgressBar):
        def report(done: int, total: int) -> None:
            bar.total = total
            bar.update(done)

        return report
