/* A post's comments: fetch the cached thread, then what is this reader's own (the form's
   token, their pending comments), and send comments, replies, edits, deletes and likes as
   JSON. Without JavaScript the post reads the same; the thread is at /comments/<id>/. */
(function () {
  "use strict";
  var box = document.querySelector("[data-comments-for]");
  if (!box) return;
  var postId = box.getAttribute("data-comments-for");
  var base = "/comments/" + postId + "/";
  var me = null;

  function send(url, data) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json"}, body: JSON.stringify(data || {})
    }).then(function (r) { return r.json().then(function (j) { j._status = r.status; return j; }); });
  }
  function fragment(html) {
    var t = document.createElement("template"); t.innerHTML = html; return t.content.firstElementChild;
  }
  function showOwn(el) {
    /* The reader's own comment: Edit and Delete buttons (never in the shared thread). */
    var footer = el.querySelector("footer"); if (!footer || footer.querySelector(".own-actions")) return;
    var id = el.id.replace("comment-", ""), span = document.createElement("span");
    span.className = "own-actions";
    [["edit", "Edit"], ["delete", "Delete"]].forEach(function (pair) {
      var b = document.createElement("button"); b.type = "button"; b.className = "link " + pair[0];
      b.dataset[pair[0]] = id; b.textContent = pair[1];
      span.appendChild(document.createTextNode(" ")); span.appendChild(b);
    });
    footer.appendChild(span);
  }
  function place(el, parentId) {
    var section = box.querySelector(".thread");
    var none = section.querySelector(".no-comments"); if (none) none.remove();
    if (parentId) {
      var parent = document.getElementById("comment-" + parentId);
      var tree = parent && parent.closest(".comment-tree");
      if (tree) {
        var replies = tree.querySelector(".replies");
        if (!replies) { replies = document.createElement("div"); replies.className = "replies"; tree.appendChild(replies); }
        replies.appendChild(el); return;
      }
    }
    var wrap = document.createElement("div"); wrap.className = "comment-tree"; wrap.appendChild(el);
    section.appendChild(wrap);
  }
  function known() { return /(^|;\s*)quire_known=1/.test(document.cookie); }
  var asked = null;
  function ask(form) {
    /* The reader's own part: asked at once when this browser has something here (signed in,
       or its own comments), otherwise when the reader starts writing. */
    if (asked) return asked;
    asked = fetch(base + "me/", {credentials: "same-origin"}).then(function (r) { return r.json(); }).then(function (data) {
      me = data;
      (data.pending || []).forEach(function (p) {
        if (!document.getElementById("comment-" + p.id)) { var el = fragment(p.html); showOwn(el); place(el, p.parent); }
      });
      (data.own || []).forEach(function (id) { var el = document.getElementById("comment-" + id); if (el) showOwn(el); });
      (data.liked || []).forEach(function (id) {
        var b = id ? box.querySelector('[data-like="' + id + '"]') : box.querySelector("[data-like-post]");
        if (b) b.setAttribute("aria-pressed", "true");
      });
      if (!form) return data;
      var signin = box.querySelector(".comment-signin");
      if (data.refusal) {
        form.hidden = true;
        if (signin) {
          signin.hidden = false;
          if (data.commenter) {  // signed in, but the blog wants a paid tier
            signin.textContent = data.refusal + " ";
            var join = document.createElement("a");
            join.href = "/members/join/";
            join.textContent = "See the tiers";
            signin.appendChild(join);
          }
        }
        return data;
      }
      form.hidden = false; if (signin) signin.hidden = true;
      form.elements.token.value = data.token;
      if (data.commenter) {
        form.querySelector(".comment-as").textContent = "Commenting as " + data.commenter.name;
        form.querySelector(".guest-fields").hidden = true;
      }
      return data;
    });
    return asked;
  }
  function setup() {
    var form = box.querySelector(".comment-form");
    if (known()) ask(form);
    else if (form) form.addEventListener("focusin", function () { ask(form); }, {once: true});
    if (form) form.addEventListener("submit", function (e) {
      e.preventDefault();
      var error = form.querySelector(".comment-error"); error.hidden = true;
      var button = form.querySelector("button[type=submit]"); button.disabled = true;
      ask(form).then(function () {
        var data = {};
        ["body", "parent", "token", "name", "email", "url", "website"].forEach(function (n) { if (form.elements[n]) data[n] = form.elements[n].value; });
        return send(base + "post/", data);
      }).then(function (j) {
        button.disabled = false;
        if (j.error) { error.textContent = j.error; error.hidden = false; return; }
        var el = fragment(j.html); showOwn(el); place(el, j.parent);
        form.elements.body.value = ""; form.elements.parent.value = "";
        form.querySelector(".comment-reply-to").hidden = true;
        asked = null;
        return ask(form);
      }, function () { button.disabled = false; error.textContent = "Could not reach the blog: your comment is kept, send it again."; error.hidden = false; });
    });
    box.addEventListener("click", function (e) {
      var t = e.target.closest("button"); if (!t) return;
      if (t.dataset.reply && form) {
        form.elements.parent.value = t.dataset.reply;
        var r = form.querySelector(".comment-reply-to"); r.hidden = false; r.querySelector("strong").textContent = t.dataset.name;
        form.elements.body.focus();
      } else if (t.classList.contains("cancel-reply") && form) {
        form.elements.parent.value = ""; form.querySelector(".comment-reply-to").hidden = true;
      } else if (t.hasAttribute("data-like-post")) {
        send(base + "like/", {}).then(function (j) {
          if (j.error) { alert(j.error); return; }
          t.setAttribute("aria-pressed", j.liked ? "true" : "false"); t.querySelector(".like-count").textContent = j.count;
        });
      } else if (t.dataset.like) {
        send(base + "like/", {comment: t.dataset.like}).then(function (j) {
          if (j.error) { alert(j.error); return; }
          t.setAttribute("aria-pressed", j.liked ? "true" : "false"); t.querySelector(".like-count").textContent = j.count;
        });
      } else if (t.dataset.delete) {
        if (!confirm("Delete this comment?")) return;
        send("/comments/c/" + t.dataset.delete + "/delete/").then(function (j) {
          if (j.error) { alert(j.error); return; }
          var el = document.getElementById("comment-" + t.dataset.delete); if (el) el.remove();
        });
      } else if (t.dataset.edit) {
        var el = document.getElementById("comment-" + t.dataset.edit);
        var text = prompt("Edit your comment", el.querySelector(".comment-body").innerText);
        if (text === null) return;
        send("/comments/c/" + t.dataset.edit + "/edit/", {body: text}).then(function (j) {
          if (j.error) { alert(j.error); return; }
          var fresh = fragment(j.html); showOwn(fresh); el.replaceWith(fresh);
        });
      }
    });
  }
  fetch(base, {credentials: "same-origin"}).then(function (r) { return r.ok ? r.text() : ""; }).then(function (html) {
    box.innerHTML = html.trim() ? html : "";
    if (html.trim()) setup();
  });
})();
