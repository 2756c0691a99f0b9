// The rest of a gated post, for a reader with access. The post page is one cached page for
// everyone; this asks /members/posts/<id>/gated/ (never cached, the member's own cookie)
// only when the reader has signed in on this blog (the quire_known marker cookie), and
// puts the answer's HTML (sanitised when the post was saved) in place of the call to join.
(function () {
  "use strict";
  var box = document.querySelector("[data-quire-gated]");
  if (!box || document.cookie.split("; ").indexOf("quire_known=1") === -1) return;
  fetch("/members/posts/" + box.getAttribute("data-quire-gated") + "/gated/", {
    credentials: "same-origin",
    headers: { Accept: "application/json" },
  })
    .then(function (r) { return r.ok ? r.json() : null; })
    .then(function (answer) {
      if (!answer) return;
      if (answer.access) {
        var part = document.createElement("div");
        part.className = "post-gated";
        part.innerHTML = answer.html;
        box.replaceWith(part);
      } else if (answer.signed_in) {
        box.classList.add("paywall-upgrade");
        var signin = box.querySelector(".paywall-signin");
        if (signin) signin.remove();
      }
    })
    .catch(function () {});
})();
