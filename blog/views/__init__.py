from blog.views.reader import page_not_found

__all__ = ["page_not_found"]
