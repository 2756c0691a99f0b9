"""Exports: the whole blog as one zip, built by a task, downloadable by its owner only.

The zip holds `quire.json` (everything, in the format documented in docs/export-format.md,
which `blog.imports.quire` reads back), every post and page as Markdown with YAML front
matter (`posts/<slug>.md`, `pages/<slug>.md`) and a README. It is stored in the private
storage under the blog's schema (`<schema>/exports/<job id>.zip`), never served by the
front server: the download view checks the owner's session *and* a signed, expiring token.
"""

import json
import logging
import tempfile
import zipfile
from datetime import timedelta

import yaml
from django.conf import settings
from django.core import signing
from django.core.files import File
from django.core.files.storage import storages
from django.core.mail import get_connection, send_mail
from django.db import transaction
from django.utils import timezone

from blog import dispatch
from blog.imports.quire import EXPORT_FORMAT, EXPORT_VERSION
from blog.models import Post, TransferJob
from blog.selectors import blog_settings_get, tags_with_counts
from blog.transfer import post_source, transfer_sections
from lib.errors import ApplicationError
from media import selectors as media_selectors
from media.storage import media_storage
from shared.accounts import selectors as account_selectors
from shared.accounts.models import User
from tenants.models import Tenant

logger = logging.getLogger(__name__)

_SALT = "quire.export.download"


class ExportLinkInvalid(ApplicationError):
    status_code = 404


def export_job_create(*, tenant: Tenant, by: User) -> TransferJob:
    """Queue an export of the current schema's blog (after commit)."""
    job = TransferJob.objects.create(kind=TransferJob.Kind.EXPORT, by_id=by.id)
    dispatch.export_run(str(job.id), schema_name=tenant.schema_name)
    return job


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def export_document(*, tenant: Tenant) -> dict:
    """Everything about the blog, as `quire.json` holds it (docs/export-format.md)."""
    current = blog_settings_get()
    emails = dict(
        User.objects.filter(
            id__in=Post.objects.exclude(author_id=None).values_list("author_id", flat=True)
        ).values_list("id", "email")
    )
    posts = []
    for post in Post.objects.order_by("id").iterator(chunk_size=500):
        posts.append(
            {
                "id": post.id,
                "source": post_source(post, tenant_id=tenant.id),
                "kind": post.kind,
                "title": post.title,
                "slug": post.slug,
                "old_slugs": post.old_slugs,
                "status": post.status,
                "published_at": _iso(post.published_at),
                "created_at": _iso(post.created_at),
                "updated_at": _iso(post.updated_at),
                "author_email": emails.get(post.author_id, ""),
                "tags": post.tags,
                "excerpt": post.excerpt,
                "meta_description": post.meta_description,
                "canonical_url": post.canonical_url,
                "cover_image_url": post.cover_image_url,
                "body": post.body,
            }
        )
    members = account_selectors.tenant_members(tenant_id=tenant.id)
    return {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "exported_at": timezone.now().isoformat(),
        "blog": {"name": tenant.name, "subdomain": tenant.subdomain, "language": tenant.language},
        "settings": {
            "title": current.title,
            "tagline": current.tagline,
            "description": current.description,
            "theme": current.theme,
            "accent": current.accent,
            "posts_per_page": current.posts_per_page,
            "navigation": current.navigation,
            "footer": current.footer,
        },
        "tags": [{"name": name, "posts": count} for name, count in tags_with_counts()],
        "members": [{"email": m.user.email, "role": m.role} for m in members],
        **{section.key: section.export() for section in transfer_sections()},
        "posts": posts,
        "media": export_media(),
    }


def export_media() -> list[dict]:
    """The blog's images as the export lists them: the served copy (EXIF stripped, never the
    upload as received), in the zip at `file`; `url` is where posts of this blog show it."""
    return [
        {
            "name": row["name"],
            "file": f"media/{row['path']}",
            "path": row["path"],
            "url": row["url"],
            "content_type": row["content_type"],
            "size": row["size"],
            "width": row["width"],
            "height": row["height"],
            "created_at": _iso(row["created_at"]),
        }
        for row in media_selectors.media_files_for_export()
        if row["status"] == "ready"  # a file still processing has no served copy yet
    ]


def post_markdown(post: dict) -> str:
    """One post as Markdown with YAML front matter (readable by our Markdown importer too)."""
    front = {
        "title": post["title"],
        "slug": post["slug"],
        "date": post["published_at"] or post["created_at"],
        "status": post["status"],
        "draft": post["status"] == "draft",
        "tags": post["tags"],
    }
    if post["kind"] == "page":
        front["layout"] = "page"
    for name in ("excerpt", "meta_description", "canonical_url", "cover_image_url"):
        if post[name]:
            front[name] = post[name]
    head = yaml.safe_dump(front, allow_unicode=True, sort_keys=False)
    return f"---\n{head}---\n\n{post['body']}\n"


_README = """This is an export of the Quire blog "{name}", made {when} UTC.

quire.json   everything: settings, tags, members (emails and roles) and every post and page
posts/       every post as Markdown with YAML front matter
pages/       every page, the same way
media/       every image, as readers are served it (without its EXIF data)

Import the whole zip into any Quire blog (Dashboard -> Import) to get the same blog back.
The format of quire.json is described in Quire's docs/export-format.md.
"""


def export_job_run(*, tenant: Tenant, job_id: str) -> TransferJob:
    """The task's work: build the zip, store it, email the owner the link. Idempotent."""
    job = TransferJob.objects.get(id=job_id, kind=TransferJob.Kind.EXPORT)
    if job.status == TransferJob.Status.DONE:
        return job
    TransferJob.objects.filter(id=job.id).update(status=TransferJob.Status.RUNNING)
    document = export_document(tenant=tenant)
    with tempfile.TemporaryFile() as spool:
        with zipfile.ZipFile(spool, "w", zipfile.ZIP_DEFLATED) as archive:
            storage, written = media_storage(), []
            for entry in document["media"]:  # images first: one gone meanwhile is left out
                try:
                    with storage.open(entry["path"], "rb") as source:
                        archive.writestr(entry["file"], source.read(), zipfile.ZIP_STORED)
                except FileNotFoundError:
                    continue
                written.append(entry)
            document["media"] = written
            archive.writestr("quire.json", json.dumps(document, ensure_ascii=False, indent=1))
            archive.writestr(
                "README.txt",
                _README.format(
                    name=tenant.name, when=document["exported_at"][:16].replace("T", " ")
                ),
            )
            for post in document["posts"]:
                folder = "pages" if post["kind"] == "page" else "posts"
                archive.writestr(f"{folder}/{post['slug']}.md", post_markdown(post))
        spool.seek(0)
        path = f"{tenant.schema_name}/exports/{job.id}.zip"
        storage = storages["private"]
        storage.delete(path)  # a redelivered task writes it again
        job.path = storage.save(path, File(spool))
    job.size = storages["private"].size(job.path)
    job.status = TransferJob.Status.DONE
    job.finished_at = timezone.now()
    job.expires_at = job.finished_at + timedelta(seconds=settings.QUIRE_EXPORT_LINK_SECONDS)
    job.filename = f"{tenant.subdomain}-{job.finished_at:%Y-%m-%d}.zip"
    job.report = {
        "posts": sum(p["kind"] == "post" for p in document["posts"]),
        "pages": sum(p["kind"] == "page" for p in document["posts"]),
        "members": len(document["members"]),
        "tags": len(document["tags"]),
        "media": len(document["media"]),
    }
    job.save()
    _exports_prune(keep=job)
    transaction.on_commit(lambda: export_email_send(tenant=tenant, job=job))
    return job


EXPORTS_KEPT = 3


def _exports_prune(*, keep: TransferJob) -> None:
    """Each blog keeps its newest few export files; older and expired ones are deleted (their
    links then say the export is no longer available)."""
    done = TransferJob.objects.filter(kind=TransferJob.Kind.EXPORT).exclude(path="")
    newest = list(done.order_by("-created_at").values_list("id", flat=True)[:EXPORTS_KEPT])
    old = done.exclude(id__in=newest) | done.filter(expires_at__lt=timezone.now())
    for job in old.exclude(id=keep.id):
        storages["private"].delete(job.path)
        TransferJob.objects.filter(id=job.id).update(path="")


def export_token(*, tenant: Tenant, job: TransferJob) -> str:
    """A signed token naming the blog's schema and the job: useless on another blog."""
    return signing.dumps({"s": tenant.schema_name, "j": str(job.id)}, salt=_SALT)


def export_job_for_download(*, tenant: Tenant, token: str) -> TransferJob:
    """The finished export `token` names, on this blog, while the link is valid."""
    try:
        value = signing.loads(token, salt=_SALT, max_age=settings.QUIRE_EXPORT_LINK_SECONDS)
    except signing.SignatureExpired as exc:
        raise ExportLinkInvalid("This download link has expired: make a new export.") from exc
    except signing.BadSignature as exc:
        raise ExportLinkInvalid("This download link is not valid.") from exc
    if value.get("s") != tenant.schema_name:
        raise ExportLinkInvalid("This download link is not valid.")
    job = TransferJob.objects.filter(
        id=value.get("j"), kind=TransferJob.Kind.EXPORT, status=TransferJob.Status.DONE
    ).first()
    if job is None or not job.path or (job.expires_at and job.expires_at < timezone.now()):
        raise ExportLinkInvalid("This export is no longer available: make a new export.")
    return job


def export_download_url(*, tenant: Tenant, job: TransferJob) -> str:
    host = tenant.domains.filter(is_primary=True).values_list("domain", flat=True).first()
    host = host or f"{tenant.subdomain}.{settings.PLATFORM_DOMAIN}"
    port = settings.QUIRE_PUBLIC_PORT
    token = export_token(tenant=tenant, job=job)
    base = f"{settings.QUIRE_PUBLIC_SCHEME}://{host}{f':{port}' if port else ''}"
    return f"{base}/dashboard/export/download/{token}/"


def export_email_send(*, tenant: Tenant, job: TransferJob) -> bool:
    """Email the owner the link. Never raises: the export itself is done (logged instead)."""
    owner = account_selectors.tenant_owner_email(tenant_id=tenant.id)
    if owner is None:
        return False
    url = export_download_url(tenant=tenant, job=job)
    body = (
        f"Your export of {tenant.name} is ready:\n\n{url}\n\n"
        f"The link works until {job.expires_at:%Y-%m-%d %H:%M} UTC, for the blog's owner "
        "only (you will be asked to log in).\n"
    )
    try:
        send_mail(
            f"Your export of {tenant.name} is ready",
            body,
            None,
            [owner],
            connection=get_connection(timeout=10),
        )
    except Exception:  # SMTP errors are many; the export is stored all the same
        logger.exception("could not email %s the export link", owner)
        return False
    return True
