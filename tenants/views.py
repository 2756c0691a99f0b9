from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render


def platform_home(request: HttpRequest) -> HttpResponse:
    return render(request, "tenants/platform_home.html")


def not_found(request: HttpRequest) -> HttpResponse:
    """For paths that exist in a library's URLs but not on Quire (allauth's own signup)."""
    raise Http404("not here")
