"""The stored-XSS corpus (tests/security/xss_payloads.txt) sent as guest comments, in the body,
the author's name and the author's website, and again as a member's held comments: nothing
of it is live where it shows, neither to html5lib (the thread fragment, the reader's own
held comments from `/me/`, the author's moderation page) nor in Chromium, where the post
page's script inserts the thread and the held comments and every handler left would run.
A name's newlines reach no mail header."""

import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from playwright.sync_api import sync_playwright

from audience import members
from comments import notify, tokens
from tenants.context import tenant_context
from tests.comments.conftest import member_client, rules_set, send
from tests.conftest import host_client
from tests.e2e.conftest import CHROMIUM_ARGS, _chromium_path
from tests.html import element_problems, find, parse_fragment
from tests.security.test_xss_corpus import PAYLOADS

pytestmark = pytest.mark.django_db(transaction=True)

# Payloads that record themselves in `window.__xss` instead of calling alert().
MARKED = [
    "<img src=x onerror=\"window.__xss.push('img')\">",
    '[x](javascript:window.__xss.push("link"))',
    "<svg onload=\"window.__xss.push('svg')\">",
    "<details open ontoggle=\"window.__xss.push('toggle')\">",
    '" autofocus onfocus="window.__xss.push(\'attr\')" x="',
    '<a href="#" onmouseover="window.__xss.push(\'hover\')">hover</a>',
    "</article><img src=x onerror=\"window.__xss.push('breakout')\">",
]
CORPUS = PAYLOADS + MARKED
BUTTON_ATTRS = {
    "type",
    "class",
    "aria-pressed",
    "data-like",
    "data-like-post",
    "data-reply",
    "data-name",
}
BUTTON_ATTRS |= {"data-edit", "data-delete"}
HELD = "held@example.org"


def _fragment_problems(html: str) -> list[str]:
    """What could run script in comment markup, leaving out our own fixed markup (the comment
    form, each comment's footer of buttons and the post's like button, which are checked to
    be only ours)."""
    root = parse_fragment(html)
    problems: list[str] = []
    for parent in list(root.iter()):
        for child in list(parent):
            if child.tag == "form" and child.get("class") == "comment-form":
                parent.remove(child)
            elif child.tag == "footer" or (child.tag == "p" and child.get("class") == "post-likes"):
                buttons = list(child.iter("button"))
                if len(buttons) > 4 or any(set(b.attrib) - BUTTON_ATTRS for b in buttons):
                    problems.append("a comment footer that is not ours")
                parent.remove(child)
    return problems + element_problems(root)


def _corpus(tenant, post, settings):
    """Each payload as a guest's comment (published at once; every third a reply, every third
    a reply to a reply, so "replying to <name>" shows names too), then as a member's held
    comment. Returns the ids of both, and the member's client."""
    settings.ACCOUNT_RATE_LIMITS = settings.ACCOUNT_RATE_LIMITS | {"comment": "9999/m/ip"}
    rules_set(tenant, policy="everyone", moderation="none", max_links=1000)
    published: list[int] = []
    for n, payload in enumerate(CORPUS):
        made = send(
            host_client(tenant),
            post,
            tenant,
            body=payload,
            name=payload.strip()[:100],
            email=f"guest{n}@example.org",
            url=("https://ok.example/" + re.sub(r"\s", "", payload))[:300],
            parent=str(published[-1]) if n % 3 else "",
        )
        assert made.status_code == 201, (payload, made.content)
        assert made.json()["status"] == "approved", payload
        published.append(made.json()["id"])
    rules_set(tenant, moderation="all")
    member = member_client(tenant, HELD)
    held = []
    for n, payload in enumerate(CORPUS):
        parent = str(published[n]) if n % 2 else ""
        made = send(member, post, tenant, body=payload, parent=parent)
        assert made.status_code == 201 and made.json()["status"] == "pending", payload
        held.append(made.json()["id"])
    return published, held, member


def test_script_urls_are_refused_as_websites(tenant, post):
    rules_set(tenant, policy="everyone", moderation="none")
    bad = ["javascript:alert(1)", " JaVaScRiPt:alert(1)", "java\tscript:alert(1)",
           "data:text/html,<script>alert(1)</script>", "vbscript:msgbox(1)",
           "//evil.example/x", "https://ok.example/\n<script>"]  # fmt: skip
    guest = host_client(tenant)
    for n, url in enumerate(bad):
        fields = {"name": "G", "email": f"g{n}@example.org", "url": url}
        refused = send(guest, post, tenant, body="Hi", **fields)
        assert refused.status_code == 400 and "website" in refused.json()["error"], url
    assert b"<article" not in guest.get(f"/comments/{post.id}/").content


def test_a_name_with_newlines_is_mailed_on_one_line(tenant, post, mailoutbox):
    """A name is typed, newlines and all; mail headers hold one line (no Bcc smuggled in, and
    the reply's mail still goes)."""
    rules_set(tenant, policy="everyone", moderation="none")
    top = send(host_client(tenant), post, tenant, body="Top", name="Ann", email="ann@example.org")
    name = "Eve\r\nBcc: eve@evil.example\n<script>"
    fields = {"name": name, "email": "eve@example.org", "parent": str(top.json()["id"])}
    reply = send(host_client(tenant), post, tenant, body="Hi", **fields).json()
    with tenant_context(tenant):
        assert "ann@example.org" in notify.comment_notify(tenant=tenant, comment_id=reply["id"])
    (to_ann,) = [m for m in mailoutbox if m.to == ["ann@example.org"]]
    assert to_ann.subject == (
        "Eve Bcc: eve@evil.example <script> replied to your comment on “Hello”"
    )
    assert to_ann.message()["Bcc"] is None


def test_the_corpus_is_inert_in_the_thread_the_own_view_and_the_moderation_page(
    tenant, post, settings
):
    published, held, member = _corpus(tenant, post, settings)
    reader = host_client(tenant)
    thread = reader.get(f"/comments/{post.id}/").content.decode()
    assert _fragment_problems(thread) == []
    # Every comment is one <article> of ours: no payload closed one or opened another.
    articles = parse_fragment(thread).findall(".//article")
    assert [a.get("id") for a in articles] == [f"comment-{i}" for i in published]
    assert f"{len(CORPUS)} comments" in thread
    # The payloads are kept as text, escaped: shown, not run.
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in thread
    assert 'href="https://ok.example/&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in thread
    assert thread.count('class="muted replying"') == len(CORPUS) // 3

    # The member's held comments, as `/me/` hands them to the page's script.
    me = member.get(f"/comments/{post.id}/me/").json()
    assert sorted(p["id"] for p in me["pending"]) == held
    failures = {p["id"]: _fragment_problems(p["html"]) for p in me["pending"]}
    assert {i: f for i, f in failures.items() if f} == {}

    # The post author's page behind the mailed moderation link shows the comment too.
    with tenant_context(tenant):
        schema = tenant.schema_name
        links = [tokens.link_make(schema=schema, purpose="moderate", comment_id=i) for i in held]
    failures = {}
    for comment_id, token in zip(held, links, strict=True):
        page = reader.get(f"/comments/moderate/{token}/")
        assert page.status_code == 200
        problems = element_problems(find(page.content, ".//blockquote"))
        if problems:
            failures[comment_id] = problems
    assert failures == {}


# Records any dialog or marked payload, and lets the page see that nothing else ran.
INIT = """
window.__xss = [];
["alert", "confirm", "prompt", "print"].forEach(function (name) {
  var real = window[name];
  window[name] = function () {
    window.__xss.push(name + ":" + Array.prototype.join.call(arguments, ","));
    return real.apply(window, arguments);
  };
});
"""

# Press each Reply (the form then names whom it answers), fire what handlers could be left
# (as events: clicks on links would navigate), then report what in #comments could run.
INSPECT = """
() => {
  const box = document.getElementById("comments");
  const replyTo = [];
  for (const b of box.querySelectorAll("button.reply")) {
    b.click();
    replyTo.push(...box.querySelectorAll(".comment-reply-to strong *"));
  }
  for (const el of box.querySelectorAll("*")) {
    for (const type of ["mouseover", "mouseenter", "focus", "load", "error", "toggle"]) {
      el.dispatchEvent(new Event(type));
    }
  }
  const out = {scripts: box.querySelectorAll("script").length, handlers: [], urls: [],
               tags: [], forms: box.querySelectorAll("form").length};
  const urlAttrs = ["href", "src", "action", "formaction", "xlink:href", "srcset", "data",
                    "poster", "background"];
  for (const el of box.querySelectorAll("*")) {
    for (const a of el.attributes) {
      const name = a.name.toLowerCase();
      if (name.startsWith("on")) out.handlers.push(el.tagName + " " + name);
      if (name === "style") out.handlers.push(el.tagName + " style");
      if (urlAttrs.includes(name) && /^(javascript|data|vbscript):/i.test(
          a.value.replace(/[\\t\\n\\r]/g, "").replace(/^[\\x00-\\x20]+/, ""))) {
        out.urls.push(el.tagName + " " + name + "=" + a.value.slice(0, 40));
      }
    }
  }
  for (const a of box.querySelectorAll("a[href]")) {
    if (!["http:", "https:", "mailto:"].includes(a.protocol)) out.urls.push(a.href.slice(0, 40));
  }
  const allowed = ["P", "EM", "STRONG", "A", "CODE", "PRE", "BLOCKQUOTE", "BR"];
  for (const el of box.querySelectorAll(".comment-body *, .comment-author *, .replying *")) {
    if (!allowed.includes(el.tagName)) out.tags.push(el.tagName);
  }
  out.tags.push(...replyTo.map((el) => "reply-to " + el.tagName));
  out.articles = box.querySelectorAll("article.comment").length;
  out.held = box.querySelectorAll("article.comment.pending").length;
  out.xss = window.__xss;
  return out;
}
"""


def _in_chromium(base: str, cookie: str, post) -> tuple[dict, list[str], list[str]]:
    """Open the post as the member who wrote the held comments: what INSPECT finds, the
    dialogs shown, and the requests made to other hosts. A Playwright of its own, meant for a
    thread of its own: the e2e suite's session `browser` may hold this thread's."""
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=_chromium_path(), headless=True, args=CHROMIUM_ARGS
        )
        context = chromium.new_context()
        context.add_cookies(
            [
                {"name": members.COOKIE, "value": cookie, "url": base},
                {"name": members.KNOWN, "value": "1", "url": base},  # set beside it on sign-in
            ]
        )
        context.add_init_script(INIT)
        page = context.new_page()
        page.set_default_timeout(20_000)
        dialogs: list[str] = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        elsewhere: list[str] = []
        page.on("request", lambda r: None if r.url.startswith(base) else elsewhere.append(r.url))
        try:
            # The page's script inserts the thread, then asks /me/ and adds the held ones.
            with page.expect_response(lambda r: r.url.endswith(f"/comments/{post.id}/me/")):
                page.goto(f"{base}/{post.slug}/")
            page.wait_for_timeout(1000)  # what /me/ brought is in; images and handlers ran
            found = page.evaluate(INSPECT)
            page.wait_for_timeout(300)
            found["xss"] = page.evaluate("window.__xss")
        finally:
            chromium.close()
    return found, dialogs, elsewhere


@pytest.mark.e2e
def test_in_chromium_no_payload_runs(live_server, tenant, post, settings):
    published, held, member = _corpus(tenant, post, settings)
    connection.set_schema_to_public()
    base = f"http://alpha.localhost:{live_server.url.rsplit(':', 1)[1]}"
    cookie = member.cookies[members.COOKIE].value
    with ThreadPoolExecutor(max_workers=1) as thread:
        found, dialogs, elsewhere = thread.submit(_in_chromium, base, cookie, post).result()
    assert {k: found[k] for k in ("scripts", "handlers", "urls", "tags", "xss")} == {
        "scripts": 0,
        "handlers": [],
        "urls": [],
        "tags": [],
        "xss": [],
    }
    assert dialogs == []
    assert elsewhere == []  # no payload's script, style or frame was fetched
    assert found["articles"] == len(published) + len(held) and found["held"] == len(held)
    assert found["forms"] == 1  # the comment form, ours
