"""The media library, the editor's upload endpoint, and serving a blog's files.

Files are served by Django from the blog's own host (whitenoise only knows files present at
start-up): a key outside the current blog's prefix is a 404 before storage is touched, and
every answer carries the image's own content type, `nosniff` and year-long immutable cache
headers (keys never change content: a new upload gets a new random key), so a shared cache
or CDN in front serves them after the first request.
"""

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.html import format_html
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST, require_safe

from lib.errors import ApplicationError
from lib.uploads import upload_size_cap, upload_too_large
from media import selectors, services
from media.forms import UploadForm
from media.models import MediaFile
from media.storage import content_type_for, key_is_blogs, media_storage
from shared.accounts.permissions import Role, member_required

CACHE_FOREVER = "public, max-age=31536000, immutable"


def _own_only(request: HttpRequest) -> int | None:
    """Authors see and delete their own files; owners and editors all of the blog's."""
    return request.user.id if request.role == Role.AUTHOR else None


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def media_json(media: MediaFile, request: HttpRequest) -> dict:
    return {
        "id": media.id,
        "name": media.name,
        "url": media.url,
        "absolute_url": request.build_absolute_uri(media.url),
        "status": media.status,
        "width": media.width,
        "height": media.height,
        "markdown": f"![{_alt(media.name)}]({media.url})",
    }


def _alt(name: str) -> str:
    stem = name.rsplit(".", 1)[0]
    return "".join(ch for ch in stem if ch not in "[]\\`*_<>").strip() or "image"


@csrf_exempt  # checked by csrf_protect below, once the size cap is in place
@require_POST
def upload(request: HttpRequest) -> HttpResponse:
    upload_size_cap(request)
    return _upload(request)


@csrf_protect
@member_required
def _upload(request: HttpRequest) -> HttpResponse:
    """Any member uploads (CSRF: a form token or X-CSRFToken). JSON for the editor's script
    (Accept: application/json); else back to the library."""
    form = UploadForm(request.POST, request.FILES)
    try:
        if upload_too_large(request):
            services.size_check(size=None)
        if not form.is_valid():
            raise services.MediaInvalid(" ".join(e for errs in form.errors.values() for e in errs))
        services.size_check(size=form.cleaned_data["file"].size)
        media = services.media_store_bytes(
            tenant=request.tenant,
            name=form.cleaned_data["file"].name,
            data=form.cleaned_data["file"].read(),
            created_by=request.user,
        )
    except ApplicationError as exc:
        upgrade = exc.extra.get("upgrade_url") if request.role == Role.OWNER else None
        if _wants_json(request):
            body = {"error": exc.message, "upgrade_url": upgrade}
            return JsonResponse(body, status=exc.status_code)
        messages.error(request, exc.message)
        if upgrade:
            messages.info(request, format_html('<a href="{}">Upgrade your plan</a>', upgrade))
        return redirect("media_library")
    if _wants_json(request):
        return JsonResponse(media_json(media, request), status=201)
    messages.success(request, f"Uploaded “{media.name}”.")
    return redirect("media_library")


@require_GET
@member_required
def status(request: HttpRequest, pk: int) -> HttpResponse:
    """The editor polls this until the worker has processed an upload."""
    media = selectors.media_get(media_id=pk, created_by_id=_own_only(request))
    if media is None:
        raise Http404
    return JsonResponse(media_json(media, request))


@require_GET
@member_required
def library(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")
    files = list(selectors.media_list(query=query, created_by_id=_own_only(request))[:200])
    context = {
        "files": files,
        "query": query,
        "usage": selectors.media_storage_usage(tenant_id=request.tenant.id),
        "can_upgrade": request.role == Role.OWNER,
        "form": UploadForm(),
    }
    return render(request, "media/library.html", context)


@member_required
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    """A confirmation page listing the posts that still show the file; POST deletes."""
    media = selectors.media_get(media_id=pk, created_by_id=_own_only(request))
    if media is None:
        raise Http404
    if request.method == "POST":
        services.media_delete(media=media)
        messages.success(request, f"Deleted “{media.name}”.")
        return redirect("media_library")
    used_by = selectors.media_used_by(media=media)
    return render(request, "media/delete.html", {"media": media, "used_by": used_by})


@require_safe
def serve(request: HttpRequest, key: str) -> HttpResponse:
    """A file of this blog, to anyone (readers). Keys of other blogs, private uploads and
    anything with `..` are 404 without touching storage."""
    if not key_is_blogs(schema_name=request.tenant.schema_name, key=key):
        raise Http404
    etag = '"' + "-".join(key.rsplit("/", 2)[-2:]) + '"'
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponse(status=304)
    else:
        try:
            handle = media_storage().open(key, "rb")
        except (FileNotFoundError, OSError) as exc:
            raise Http404 from exc
        response = FileResponse(handle, content_type=content_type_for(key))
    response["ETag"] = etag
    response["Cache-Control"] = CACHE_FOREVER
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
