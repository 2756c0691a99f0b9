"""Boxes that apps above blog add to the post editor, registered in their `ready()` (blog
never imports them). audience adds "Email this post to subscribers".

A box gives the editor's template context (`context`), may refuse a save before anything is
written (`check`, raising a `LimitReached` or another `ApplicationError`), and acts once the
post is saved (`saved`). `action` is the editor's button: "draft", "publish", "schedule",
"unpublish".
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest

from blog.models import Post


@dataclass(frozen=True)
class EditorBox:
    name: str
    context: Callable[..., dict]  # (request, *, post: Post | None, kind: str) -> dict
    check: Callable[..., None]  # (request, *, post: Post | None, kind: str, action: str)
    saved: Callable[..., None]  # (request, *, post: Post, kind: str, action: str)


_boxes: dict[str, EditorBox] = {}


def editor_box_register(box: EditorBox) -> None:
    _boxes[box.name] = box


def editor_boxes_context(request: HttpRequest, *, post: Post | None, kind: str) -> dict:
    context: dict = {}
    for box in _boxes.values():
        context |= box.context(request, post=post, kind=kind)
    return context


def editor_boxes_check(request: HttpRequest, *, post: Post | None, kind: str, action: str) -> None:
    for box in _boxes.values():
        box.check(request, post=post, kind=kind, action=action)


def editor_boxes_saved(request: HttpRequest, *, post: Post, kind: str, action: str) -> None:
    for box in _boxes.values():
        box.saved(request, post=post, kind=kind, action=action)
