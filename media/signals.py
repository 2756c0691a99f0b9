"""What happens to an image, announced to the apps above media (blog), which connect in their
`ready()`: media never imports them.

`media_processed(url)`: an image's copies and dimensions are ready, in the current schema;
posts that show `url` may now render it with its width and height.
"""

from django.dispatch import Signal

media_processed = Signal()
