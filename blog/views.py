from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import get_object_or_404, redirect, render

from blog import selectors, services
from blog.forms import PostForm
from blog.models import Post
from blog.permissions import can_edit_post, member_required

POSTS_PER_PAGE = 10


def home(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.posts_published(), POSTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "blog/home.html", {"page": page})


def post_detail(request: HttpRequest, slug: str) -> HttpResponse:
    post = selectors.post_published_get(slug=slug)
    if post is None:
        raise Http404("no such post")
    return render(request, "blog/post.html", {"post": post})


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(request, "blog/404.html", status=404)


@member_required
def dashboard(request: HttpRequest) -> HttpResponse:
    author_id = request.user.id if request.role == "author" else None
    posts = selectors.posts_for_dashboard(author_id=author_id)
    return render(request, "blog/dashboard/index.html", {"posts": posts, "role": request.role})


@member_required
def post_new(request: HttpRequest) -> HttpResponse:
    form = PostForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.post_create(
            author=request.user,
            title=data["title"],
            body=data["body"],
            tags=data["tags"],
            publish="publish" in request.POST,
        )
        return redirect("dashboard")
    return render(request, "blog/dashboard/edit.html", {"form": form, "post": None})


@member_required
def post_edit(request: HttpRequest, pk: int) -> HttpResponse:
    post = get_object_or_404(Post, pk=pk)
    if not can_edit_post(role=request.role, user_id=request.user.id, post=post):
        return HttpResponseForbidden("You can only edit your own posts.")
    form = PostForm(request.POST or None) if request.method == "POST" else PostForm.for_post(post)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        publish = (
            True if "publish" in request.POST else False if "unpublish" in request.POST else None
        )
        services.post_update(
            post=post, title=data["title"], body=data["body"], tags=data["tags"], publish=publish
        )
        return redirect("dashboard")
    return render(request, "blog/dashboard/edit.html", {"form": form, "post": post})
