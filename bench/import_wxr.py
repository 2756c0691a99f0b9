"""WordPress import throughput and memory: a generated 5,000-post WXR file imported into a
fresh blog, as the import task does it (read, convert to Markdown, upsert in one
transaction), then imported again (every post unchanged).

    .venv/bin/python bench/import_wxr.py [--posts 5000]

Prints posts/s for both runs and the process's peak RSS. Target: >= 200 posts/s.
Runs against its own throw-away database (quire_bench_import) and Redis databases 14-15.
"""

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import PYTHON, BenchEnv, print_table  # noqa: E402

WORDS = (
    "quire blog post writer reader garden river mountain coffee morning light shadow "
    "season letter window paper story voice music street city harbour bridge"
).split()


def _sentence(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 18))).capitalize() + "."


def wxr_generate(path: Path, posts: int, *, seed: int = 9) -> None:
    """A WXR 1.2 file like WordPress writes: block markup, categories and tags, drafts,
    pages, comments, featured images. Written piece by piece (never whole in memory)."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as out:
        out.write(
            '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
            'xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" '
            'xmlns:wp="http://wordpress.org/export/1.2/">\n<channel>\n<title>Bench</title>\n'
            "<wp:wxr_version>1.2</wp:wxr_version>\n"
            "<wp:author><wp:author_login><![CDATA[bench]]></wp:author_login>"
            "<wp:author_email><![CDATA[bench@example.org]]></wp:author_email></wp:author>\n"
        )
        for n in range(1, posts + 1):
            paragraphs = "".join(
                f"<!-- wp:paragraph -->\n<p>{_sentence(rng)} <strong>{rng.choice(WORDS)}</strong>"
                f' <a href="https://example.org/{n}">{rng.choice(WORDS)}</a> {_sentence(rng)}'
                "</p>\n<!-- /wp:paragraph -->\n"
                for _ in range(rng.randint(3, 6))
            )
            body = (
                f"{paragraphs}<!-- wp:heading -->\n<h2>{_sentence(rng)}</h2>\n"
                "<!-- /wp:heading -->\n"
                f"<!-- wp:list --><ul><li>{rng.choice(WORDS)}</li><li>{rng.choice(WORDS)}</li>"
                '</ul><!-- /wp:list -->\n<!-- wp:image --><figure class="wp-block-image">'
                f'<img src="https://example.org/wp-content/uploads/{n}.jpg" alt="photo {n}"/>'
                "</figure><!-- /wp:image -->\n"
            )
            kind = "page" if n % 100 == 0 else "post"
            status = "draft" if n % 10 == 0 else "publish"
            tags = "".join(
                f'<category domain="post_tag" nicename="{t}"><![CDATA[{t}]]></category>'
                for t in rng.sample(WORDS, 3)
            )
            comments = "<wp:comment><wp:comment_id>1</wp:comment_id></wp:comment>" * (n % 3)
            out.write(
                f"<item><title>Post number {n}: {rng.choice(WORDS)}</title>"
                f"<link>https://bench.example.org/?p={n}</link>"
                f"<dc:creator><![CDATA[bench]]></dc:creator>"
                f'<guid isPermaLink="false">https://bench.example.org/?p={n}</guid>'
                f"<content:encoded><![CDATA[{body}]]></content:encoded>"
                f"<excerpt:encoded><![CDATA[]]></excerpt:encoded>"
                f"<wp:post_id>{n}</wp:post_id>"
                f"<wp:post_date_gmt>2020-01-01 10:{n % 60:02d}:00</wp:post_date_gmt>"
                f"<wp:post_name>post-number-{n}</wp:post_name><wp:status>{status}</wp:status>"
                f"<wp:post_type>{kind}</wp:post_type><wp:post_password></wp:post_password>"
                f'<category domain="category" nicename="news"><![CDATA[News]]></category>'
                f"{tags}{comments}</item>\n"
            )
        out.write("</channel>\n</rss>\n")


def measure(posts: int) -> dict:
    """Runs in a fresh process with the bench settings."""
    from django.core.files import File
    from django.core.files.storage import storages
    from django.db import connection

    from blog.models import Post, TransferJob
    from blog.services import imports as import_services
    from shared.accounts.models import User
    from shared.billing import services as billing_services
    from tenants import services as tenant_services
    from tenants.context import tenant_context

    owner = User.objects.create_user(email="bench@example.org", password=None)
    staff = User.objects.create_user(email="staff@example.org", password=None, is_staff=True)
    tenant = tenant_services.tenant_provision(subdomain="importbench", name="B", owner=owner)
    billing_services.subscription_plan_set(tenant_id=tenant.id, plan_code="business", actor=staff)
    connection.set_schema_to_public()
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "bench.xml"
        wxr_generate(source, posts)
        size = source.stat().st_size
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        runs = []
        with tenant_context(tenant):
            for _ in range(2):
                with source.open("rb") as stream:
                    job = TransferJob.objects.create(kind="import", by_id=owner.id)
                    job.path = storages["private"].save(f"bench/{job.id}", File(stream))
                    job.save()
                started, cpu = time.perf_counter(), time.process_time()
                job = import_services.import_job_run(tenant=tenant, job_id=str(job.id))
                runs.append((time.perf_counter() - started, time.process_time() - cpu, job.report))
            count = Post.objects.count()
    rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "posts": posts,
        "file_mb": size / 2**20,
        "rows": count,
        "runs": [
            {
                "seconds": s,
                "cpu": c,
                "imported": r["imported_count"],
                "unchanged": r["unchanged_count"],
                "skipped": r["skipped_count"],
            }
            for s, c, r in runs
        ],
        "rss_before_mb": rss_before / 1024,
        "rss_peak_mb": rss_peak / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=5000)
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        import django

        django.setup()
        print(json.dumps(measure(args.posts)))
        return

    env = BenchEnv("import", redis_db=14)
    env.env["QUIRE_BENCH_APP"] = "0"
    env.env["QUIRE_PRIVATE_ROOT"] = str(env.tmp / "private")
    try:
        env.reset_database()
        env.manage("migrate_schemas", "--shared", "--noinput")
        env.manage("ensure_template")
        print(f"importing {args.posts} posts...", file=sys.stderr)
        out = subprocess.run(
            [PYTHON, "bench/import_wxr.py", "--posts", str(args.posts), "--measure"],
            cwd=Path(__file__).resolve().parent.parent,
            env=env.env,
            check=False,
            capture_output=True,
            text=True,
        )
        if out.returncode:
            sys.exit(f"the measuring process failed:\n{out.stderr[-3000:]}")
        out = out.stdout
        result = json.loads(out.strip().splitlines()[-1])
    finally:
        env.cleanup()
    rows = []
    for label, run in zip(("first import", "re-run (unchanged)"), result["runs"], strict=True):
        rate = result["posts"] / run["seconds"]
        cpu_rate = result["posts"] / run["cpu"]
        rows.append(
            [
                label,
                f"{run['seconds']:.1f} s",
                f"{rate:.0f} posts/s",
                f"{run['cpu']:.1f} s",
                f"{cpu_rate:.0f} posts/s",
                str(run["imported"]),
                str(run["unchanged"]),
                str(run["skipped"]),
            ]
        )
    print_table(
        f"WXR import: {result['posts']} items ({result['file_mb']:.1f} MB file), "
        f"{result['rows']} posts and pages in the blog afterwards",
        [
            "run",
            "wall",
            "rate (wall)",
            "CPU (this process)",
            "rate (CPU)",
            "imported",
            "unchanged",
            "skipped",
        ],
        rows,
    )
    print(
        f"\npeak RSS {result['rss_peak_mb']:.0f} MB "
        f"(before the imports {result['rss_before_mb']:.0f} MB)"
    )
    first = result["posts"] / result["runs"][0]["seconds"]
    print(f"target >= 200 posts/s (wall): {'met' if first >= 200 else 'NOT met'} ({first:.0f})")
    load = os.getloadavg()[0]
    print(
        f"load average during the run: {load:.1f} on {os.cpu_count()} CPUs (wall figures include "
        "waiting for a CPU; PostgreSQL's own time is in the wall figure only)"
    )


if __name__ == "__main__":
    main()
