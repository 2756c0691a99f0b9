"""Dashboard → Import and Export. Imports: owners and editors; exports: the owner only."""

from django.conf import settings
from django.core.files.storage import storages
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from blog.models import TransferJob
from blog.services import exports as export_services
from blog.services import imports as import_services
from blog.services.imports import ImportRefused
from shared.accounts.permissions import Role, member_required, owner_required

# The multipart form around the file: a little room above the file cap itself.
_FORM_OVERHEAD = 64 * 1024


class _CappedUpload(FileUploadHandler):
    """Stops reading an upload past the cap, for bodies whose Content-Length was not there or
    not true; the view then says what the limit is."""

    def __init__(self, request: HttpRequest, cap: int):
        super().__init__(request)
        self.cap, self.seen = cap, 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.seen += len(raw_data)
        if self.seen > self.cap:
            self.request.upload_too_large = self.seen
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size: int):
        return None


def _can_import(role: str) -> bool:
    return role in (Role.OWNER, Role.EDITOR)


def _forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "blog/dashboard/forbidden.html", {"message": message}, status=403)


def _import_page(request: HttpRequest, *, error: str = "", status: int = 200) -> HttpResponse:
    context = {
        "jobs": import_services.import_jobs_recent(),
        "error": error,
        "max_mb": settings.QUIRE_IMPORT_MAX_BYTES // 2**20,
    }
    return render(request, "blog/dashboard/import.html", context, status=status)


@csrf_exempt  # checked below, after the size check: the CSRF check would read the body
@member_required
def import_page(request: HttpRequest) -> HttpResponse:
    if not _can_import(request.role):
        return _forbidden(request, "Only the blog's owner and editors import.")
    if request.method != "POST":
        return _import_page(request)
    cap = settings.QUIRE_IMPORT_MAX_BYTES
    length = int(request.META.get("CONTENT_LENGTH") or 0)
    if length > cap + _FORM_OVERHEAD:
        message = import_services.import_too_large_message(length)
        return _import_page(request, error=message, status=413)
    request.upload_handlers.insert(0, _CappedUpload(request, cap))
    return _import_upload(request)


@csrf_protect
def _import_upload(request: HttpRequest) -> HttpResponse:
    upload = request.FILES.get("file")
    too_large = getattr(request, "upload_too_large", 0)
    if too_large:
        message = import_services.import_too_large_message(too_large)
        return _import_page(request, error=message, status=413)
    if upload is None:
        return _import_page(request, error="Choose a file to import.", status=400)
    try:
        job = import_services.import_job_create(
            tenant=request.tenant, by=request.user, upload=upload
        )
    except ImportRefused as exc:
        return _import_page(request, error=exc.message, status=400)
    return redirect("import_job", job_id=job.id)


@member_required
def import_job(request: HttpRequest, job_id: str) -> HttpResponse:
    if not _can_import(request.role):
        return _forbidden(request, "Only the blog's owner and editors import.")
    job = get_object_or_404(TransferJob, id=job_id, kind=TransferJob.Kind.IMPORT)
    progress = import_services.import_progress(job_id=str(job.id))
    return render(request, "blog/dashboard/import_job.html", {"job": job, "progress": progress})


@member_required
def import_status(request: HttpRequest, job_id: str) -> HttpResponse:
    """The progress bar's poll: {"status", "done", "total", "stage"}."""
    if not _can_import(request.role):
        return JsonResponse({"error": "Only the blog's owner and editors import."}, status=403)
    job = get_object_or_404(TransferJob, id=job_id, kind=TransferJob.Kind.IMPORT)
    progress = import_services.import_progress(job_id=str(job.id))
    return JsonResponse({"status": job.status, **progress})


@owner_required
def export_page(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return _export_create(request)
    jobs = TransferJob.objects.filter(kind=TransferJob.Kind.EXPORT).order_by("-created_at")[:5]
    rows = [
        (job, export_services.export_token(tenant=request.tenant, job=job))
        if job.status == TransferJob.Status.DONE
        else (job, "")
        for job in jobs
    ]
    return render(request, "blog/dashboard/export.html", {"rows": rows})


@require_POST
def _export_create(request: HttpRequest) -> HttpResponse:
    export_services.export_job_create(tenant=request.tenant, by=request.user)
    return redirect("export")


@owner_required
def export_download(request: HttpRequest, token: str) -> HttpResponse:
    """The zip, to the blog's owner, with a valid link for this blog."""
    job = export_services.export_job_for_download(tenant=request.tenant, token=token)
    stream = storages["private"].open(job.path, "rb")
    return FileResponse(stream, as_attachment=True, filename=job.filename or "export.zip")
