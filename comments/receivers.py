"""What comments adds to blog's registries (imported by `CommentsConfig.ready()`): the
comments and likes parts of a Quire export, and the comments of imported files."""

from blog.transfer import posts_imported_register, transfer_section_register
from comments.transfer import COMMENTS_SECTION, POST_LIKES_SECTION, comments_imported

transfer_section_register(COMMENTS_SECTION)
transfer_section_register(POST_LIKES_SECTION)
posts_imported_register(comments_imported)
