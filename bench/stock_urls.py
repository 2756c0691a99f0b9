from django.urls import path
from django.views.generic import ListView

from blog.models import Post


class StockPostList(ListView):
    """The plain way: a ListView with a Paginator (COUNT + page query), rendered each time."""

    queryset = Post.objects.filter(status="published", kind="post").order_by("-published_at")
    paginate_by = 10
    template_name = "bench/stock_list.html"


urlpatterns = [path("", StockPostList.as_view())]
