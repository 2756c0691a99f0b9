"""Reading other platforms' exports into `ImportItem`s, without touching the database.

Each reader (`wxr`, `ghost`, `markdown_zip`, `quire`) turns one uploaded file into a
`Parsed`: the items to upsert and what it skipped. `blog.services.imports` writes them.
`detect` decides the format from the file's first bytes, never from its name.
"""
