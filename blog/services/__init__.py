"""Writes for the blog, split by subject. Import from here: `from blog import services`."""

from blog.services.posts import (
    MAX_BODY_BYTES,
    MAX_TAG_LENGTH,
    MAX_TAGS,
    MAX_TITLE_LENGTH,
    RESERVED_SLUGS,
    PostConflict,
    PostInvalid,
    post_create,
    post_delete,
    post_publish_due,
    post_update,
    post_version,
    tags_parse,
)
from blog.services.revisions import (
    MAX_REVISIONS_PER_POST,
    post_create_recorded,
    post_revision_record,
    post_revision_restore,
    post_update_recorded,
)
from blog.services.settings import (
    SettingsConflict,
    SettingsInvalid,
    blog_language_set,
    blog_settings_update,
    navigation_parse,
    settings_version,
)
from blog.services.tags import tag_rename, tags_merge

__all__ = [
    "MAX_BODY_BYTES",
    "MAX_REVISIONS_PER_POST",
    "MAX_TAGS",
    "MAX_TAG_LENGTH",
    "MAX_TITLE_LENGTH",
    "RESERVED_SLUGS",
    "PostConflict",
    "PostInvalid",
    "SettingsConflict",
    "SettingsInvalid",
    "blog_language_set",
    "blog_settings_update",
    "navigation_parse",
    "settings_version",
    "post_create",
    "post_create_recorded",
    "post_revision_record",
    "post_revision_restore",
    "post_update_recorded",
    "post_delete",
    "post_publish_due",
    "post_update",
    "post_version",
    "tag_rename",
    "tags_merge",
    "tags_parse",
]
