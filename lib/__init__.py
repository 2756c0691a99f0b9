"""The bottom layer: small helpers every app may use and that import no app.

Errors (`errors`), the shape check for JSON from outside (`shapes`), Redis on the wire
(`redis_wire`), queueing background work by task name (`queue`), safe outbound HTTP (`http`),
upload limits (`uploads`).
"""
