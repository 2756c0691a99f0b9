"""Images and files of a blog: uploads, processing, storage, the media library."""
