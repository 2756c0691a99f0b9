"""What comment pages share with the blog's reader pages: the blog's layout context."""

from django.http import HttpRequest

from blog import selectors as blog_selectors


def reader_context(request: HttpRequest, **extra: object) -> dict:
    settings = blog_selectors.blog_settings_get()
    return {
        "blog": settings,
        "blog_title": settings.title or request.tenant.name,
        "lang": blog_selectors.language_tag(language=request.tenant.language),
        **extra,
    }
