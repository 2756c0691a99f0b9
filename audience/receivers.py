"""What audience adds to the apps below: the post editor's "Email this post" box and the
subscribers part of a Quire export (blog's registries). Imported by `AudienceConfig.ready()`."""

from audience.editor import EMAIL_BOX
from audience.transfer import SUBSCRIBERS
from blog.editor import editor_box_register
from blog.transfer import transfer_section_register

editor_box_register(EMAIL_BOX)
transfer_section_register(SUBSCRIBERS)
