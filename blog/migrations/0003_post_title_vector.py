import django.contrib.postgres.indexes
import django.contrib.postgres.search
from django.db import migrations

# The blog's language lives in the public schema; the template and spare schemas have no row
# there (and no posts), so they take the default.
_FILL_SQL = """
UPDATE blog_post SET title_vector = setweight(to_tsvector(
    coalesce((SELECT language FROM public.tenants_tenant WHERE schema_name = current_schema()),
             'english')::regconfig,
    title), 'A')
WHERE search_vector IS NOT NULL
"""

_STATISTICS_SQL = (
    "ALTER TABLE blog_post ALTER COLUMN search_vector SET STATISTICS {0}, "
    "ALTER COLUMN title_vector SET STATISTICS {0}"
)


class Migration(migrations.Migration):
    dependencies = [
        ("blog", "0002_posts_pages_settings"),
    ]

    operations = [
        migrations.AddField(
            model_name="post",
            name="title_vector",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.AddIndex(
            model_name="post",
            index=django.contrib.postgres.indexes.GinIndex(
                fields=["title_vector"], name="post_title_gin"
            ),
        ),
        # Posts indexed before this migration get their title vector now, in their blog's
        # language (posts without a vector get both from the sweep, as before).
        migrations.RunSQL(_FILL_SQL, reverse_sql=migrations.RunSQL.noop),
        # Ten times the default sample of words per vector, so that ANALYZE knows a rare word
        # from a mid-frequency one and search is planned for either (see blog/search.py).
        migrations.RunSQL(_STATISTICS_SQL.format(1000), reverse_sql=_STATISTICS_SQL.format(-1)),
    ]
