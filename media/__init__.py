"""Images and files of a blog (issue 9): uploads, processing, storage, the media library."""
