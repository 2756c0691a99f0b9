"""gunicorn in production (the image's CMD: `gunicorn -c config/gunicorn.py config.wsgi`) and in
bench/https.py, which measures it with and without Caddy in front.

Threaded workers that keep connections alive: Caddy (and Varnish) keep a pool of connections
to the web server and reuse them, instead of opening a TCP connection per request as they must
with sync workers (which answer `Connection: close`). On two cores that connect/accept/close
was ~100 µs of Caddy's ~500 µs of CPU per proxied page (see ARCHITECTURE.md, "Custom domains,
HTTPS and the front server"). Django already runs threaded under `runserver` (`make run`), and
every thread has its own database connection (CONN_MAX_AGE).

The access log is Caddy's (one line per request at the edge, with the client address, host,
TLS and the X-Request-ID it sends here); gunicorn keeps none unless GUNICORN_ACCESS_LOG names a
file ("-" for stdout), e.g. when it runs without a front server.

Environment: WEB_CONCURRENCY (workers; default: one per core), GUNICORN_THREADS (4),
GUNICORN_BIND (0.0.0.0:8000), GUNICORN_ACCESS_LOG (none).
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000").split(",")
workers = int(os.environ.get("WEB_CONCURRENCY") or os.cpu_count() or 1)
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS") or 4)
# Longer than the front servers keep an idle connection (Caddyfile: keepalive 4s, below
# Varnish's 5 s timeout_idle), so the web server never closes one they are about to reuse.
keepalive = 75
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
