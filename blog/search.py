"""Full-text search vectors, written with SQL in the post's own schema."""

from django.contrib.postgres.search import SearchVector
from django.db.models import F, Func, TextField, Value

from blog.models import Post

DEFAULT_CONFIG = "english"


def _vector(config: str) -> SearchVector:
    tags = Func(F("tags"), Value(" "), function="array_to_string", output_field=TextField())
    return (
        SearchVector("title", weight="A", config=config)
        + SearchVector(tags, weight="B", config=config)
        + SearchVector("body", weight="C", config=config)
    )


def post_search_vector_refresh(*, post_id: int, config: str = DEFAULT_CONFIG) -> bool:
    """Fill one post's vector. Idempotent; False when the post no longer exists."""
    return Post.objects.filter(id=post_id).update(search_vector=_vector(config)) == 1


def stale_search_vectors_refresh(*, config: str = DEFAULT_CONFIG, batch: int = 500) -> int:
    """Fill every missing vector of the current schema, `batch` rows per statement."""
    done = 0
    while True:
        ids = list(
            Post.objects.filter(search_vector__isnull=True).values_list("id", flat=True)[:batch]
        )
        if not ids:
            return done
        done += Post.objects.filter(id__in=ids).update(search_vector=_vector(config))
