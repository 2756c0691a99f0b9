"""What comments adds to the apps below: the post editor's "Comments" box (blog's editor
registry), the comments and likes parts of a Quire export and the comments of imported files
(blog's transfer registries). Imported by `CommentsConfig.ready()`."""

from blog.editor import editor_box_register
from blog.transfer import posts_imported_register, transfer_section_register
from comments.editor import COMMENTS_BOX
from comments.transfer import COMMENTS_SECTION, POST_LIKES_SECTION, comments_imported

editor_box_register(COMMENTS_BOX)
transfer_section_register(COMMENTS_SECTION)
transfer_section_register(POST_LIKES_SECTION)
posts_imported_register(comments_imported)
