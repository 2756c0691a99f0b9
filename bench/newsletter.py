"""Newsletter send rate of one worker process to a local SMTP server (aiosmtpd), through the
whole path a real send takes: `tasks.newsletters.newsletter_send` in a Celery worker
(`--concurrency=1`: one process), one Delivery row claimed and marked per message, each
person's own unsubscribe token, the MIME message built per person.

    .venv/bin/python bench/newsletter.py [--subscribers 5000] [--batch 100]

Prints the messages/s counted at the SMTP server (first to last message), with a progress
count while it runs. The SMTP server is Python (aiosmtpd, in this process): a real MTA takes
mail faster, so the figure is a floor for the sender.
"""

import argparse
import logging
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import BenchEnv, print_table, progress  # noqa: E402
from tests.support.net import free_port  # noqa: E402


class Counter:
    def __init__(self):
        self.count = 0
        self.first = self.last = 0.0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's hook
        now = time.perf_counter()
        readers = [r for r in envelope.rcpt_tos if r.startswith("r") and r[1].isdigit()]
        if not readers:  # e.g. the owner's "plan changed" mail
            return "250 OK"
        with self.lock:
            self.count += len(readers)
            self.first = self.first or now
            self.last = now
        return "250 OK"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--subscribers", type=int, default=5000)
    parser.add_argument("--batch", type=int, default=100)
    args = parser.parse_args()

    from aiosmtpd.controller import Controller

    logging.getLogger("mail.log").setLevel(logging.WARNING)
    counter = Counter()
    port = free_port()
    controller = Controller(counter, hostname="127.0.0.1", port=port)
    controller.start()
    env = BenchEnv("newsletter", redis_db=12)
    env.env |= {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(port),
        "NEWSLETTER_BATCH_SIZE": str(args.batch),
        "NEWSLETTER_RATE_PER_SECOND": "0",
    }
    try:
        env.reset_database()
        env.manage("migrate_schemas", "--shared", "--noinput")
        env.manage("ensure_template")
        env.activate()
        from allauth.account.models import EmailAddress
        from django.db import connection

        from audience import newsletters
        from audience.models import Subscriber
        from blog import services as blog_services
        from shared.accounts.models import User
        from shared.billing import services as billing_services
        from tenants import services as tenant_services
        from tenants.context import tenant_context

        owner = User.objects.create_user(email="bench@example.org", password="x")
        EmailAddress.objects.create(user=owner, email=owner.email, primary=True, verified=True)
        staff = User.objects.create_user(email="staff@example.org", password="x", is_staff=True)
        blog = tenant_services.tenant_provision(subdomain="letters", name="Letters", owner=owner)
        billing_services.subscription_plan_set(tenant_id=blog.id, plan_code="business", actor=staff)
        body = "\n\n".join(
            f"Paragraph {i}: a newsletter of ordinary length, **some** words and a [link](/x/)."
            for i in range(12)
        )
        with tenant_context(blog):
            Subscriber.objects.bulk_create(
                [Subscriber(email=f"r{i:06}@example.org", status="confirmed")
                 for i in range(args.subscribers)],
                batch_size=5000,
            )  # fmt: skip
        connection.set_schema_to_public()
        with env.workers(queues="newsletters", concurrency=1):
            with tenant_context(blog):
                post = blog_services.post_create(
                    tenant=blog, author=owner, title="Bench", body=body, action="publish"
                )
                newsletters.newsletter_for_post(tenant=blog, post=post, by_id=owner.id, wanted=True)
            connection.set_schema_to_public()
            deadline = time.monotonic() + 600
            while counter.count < args.subscribers and time.monotonic() < deadline:
                progress("messages received", counter.count, args.subscribers)
                time.sleep(0.5)
            progress("messages received", counter.count, args.subscribers)
    finally:
        controller.stop()
        env.cleanup()
    seconds = counter.last - counter.first
    rate = (counter.count - 1) / seconds if seconds > 0 else 0.0
    rows = [
        ["messages received", f"{counter.count:,}"],
        ["first to last", f"{seconds:.1f} s"],
        ["send rate, one worker process", f"{rate:,.0f} messages/s"],
    ]
    print_table(f"Newsletter to {args.subscribers:,} subscribers (batch {args.batch})",
                ["figure", "value"], rows)  # fmt: skip
    print("(one Celery worker process; run on a quiet machine: see `uptime`)")


if __name__ == "__main__":
    main()
