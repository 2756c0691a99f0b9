# Quire's front cache: Varnish with vmod xkey (Debian: varnish + varnish-modules).
#
# Quire decides what may be shared: anonymous reader pages and feeds come with
# `Cache-Control: public, max-age=..., s-maxage=...` (Varnish keeps them for s-maxage) and an
# `xkey` header naming the blog (and the post); everything else is `private, no-store`, which
# Varnish's built-in rules never store, like any response that sets a cookie. A request with a
# session cookie or credentials passes through untouched. `blog_changed()` purges a blog with
# `PURGE /` and an `xkey-purge: blog-<schema>` header (blog/purge.py).
#
# The backend below is `make run VARNISH=1`'s; docker-compose.yml and the tests rewrite the
# two lines marked `# backend`. Several web hosts behind this one cache: `python
# scripts/varnish_vcl.py HOST:PORT HOST:PORT ...` prints this file with one backend per host
# (each with a /healthz probe, so a host that is down is skipped) in the round-robin director
# `web` (tests/scale/test_two_web_hosts.py).
vcl 4.1;

import directors;
import xkey;

backend default {
    .host = "127.0.0.1";  # backend host
    .port = "8000";  # backend port
    .first_byte_timeout = 60s;
}

sub vcl_init {
    new web = directors.round_robin();
    web.add_backend(default);  # backends
}

# Who may purge: the web and worker processes (loopback here, the private network in Docker).
acl purgers {
    "127.0.0.1";
    "::1";
    "10.0.0.0"/8;
    "172.16.0.0"/12;
    "192.168.0.0"/16;
}

sub vcl_recv {
    set req.backend_hint = web.backend();
    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(403, "Forbidden"));
        }
        if (!req.http.xkey-purge) {
            return (synth(400, "xkey-purge header required"));
        }
        set req.http.X-Purged = xkey.purge(req.http.xkey-purge);
        return (synth(200, "Purged " + req.http.X-Purged));
    }
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    # The dashboard, accounts, the API and the staff console are never cached.
    if (req.url ~ "^/(dashboard|accounts|api|console|admin|_quire)(/|$)") {
        return (pass);
    }
    # Logged in (or about to be): straight through, cookies and all.
    if (req.http.Authorization || req.http.Cookie ~ "(^|;\s*)(sessionid|csrftoken)=") {
        return (pass);
    }
    # A reader's own part of a comment thread, and member sign-in, need the reader's cookies
    # (quire_member, quire_commented); the thread itself is one copy for everyone.
    if (req.url ~ "^/comments/[0-9]+/me/" || req.url ~ "^/members/") {
        return (pass);
    }
    # Anything else in Cookie (analytics) does not change the page: one copy for everyone.
    unset req.http.Cookie;
    # Feeds go through to Quire, where each fetch is counted (analytics) and answered from
    # its page cache: a feed reader's poll costs one Redis read, and no fetch goes uncounted.
    if (req.url ~ "^/(feed|rss)/(\?.*)?$" || req.url ~ "^/tag/[^/]+/feed/(\?.*)?$") {
        return (pass);
    }
    return (hash);
}

# The scheme is part of a page: behind Caddy an https page links https://, and a plain http
# reader must not get it. The built-in vcl_hash then adds the URL and the host.
sub vcl_hash {
    hash_data(req.http.X-Forwarded-Proto);
}

sub vcl_backend_response {
    # Serve a stale copy for a short while if the backend is slow or down.
    set beresp.grace = 30s;
}

sub vcl_deliver {
    if (obj.hits > 0) {
        set resp.http.X-Front-Cache = "HIT";
    } else {
        set resp.http.X-Front-Cache = "MISS";
    }
    # Browsers need max-age only; the keys are for us.
    unset resp.http.xkey;
    unset resp.http.Surrogate-Key;
}
