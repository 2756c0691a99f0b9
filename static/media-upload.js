// Editor uploads: a button, drag-and-drop and paste into the body insert the image's
// Markdown at the cursor; the cover button fills the cover image URL. The server checks the
// file (type by content, size, the plan's storage); its message is shown as it is.
(function () {
  var form = document.getElementById("editor-write");
  if (!form || !form.dataset.uploadUrl) return;
  var body = form.elements.body, cover = form.elements.cover_image_url;
  var token = form.elements.csrfmiddlewaretoken.value;
  var status = document.createElement("p");
  status.className = "muted"; status.id = "upload-status"; status.setAttribute("aria-live", "polite");

  function say(text, link) {
    status.textContent = text;
    if (link) { var a = document.createElement("a"); a.href = link; a.textContent = " Upgrade your plan"; status.appendChild(a); }
  }
  function changed(field) { field.dispatchEvent(new Event("input", {bubbles: true})); }
  function send(file) {
    var data = new FormData(); data.append("file", file, file.name || "pasted-image.png");
    say("Uploading " + (file.name || "image") + "…");
    return fetch(form.dataset.uploadUrl, {method: "POST", body: data, credentials: "same-origin",
      headers: {"X-CSRFToken": token, "Accept": "application/json"}})
      .then(function (r) {
        return r.json().catch(function () { return {error: "The upload failed (" + r.status + ")."}; })
          .then(function (json) { if (!r.ok) { say(json.error || "The upload failed.", json.upgrade_url); throw json; } return json; });
      }, function () { say("The upload failed: the server could not be reached."); throw null; });
  }
  // Once the worker has made the sized copies, refresh the preview (it then has srcset).
  function whenReady(file, tries) {
    if (file.status !== "pending" || tries > 40) { say(file.status === "failed" ? "“" + file.name + "” could not be processed." : "Uploaded “" + file.name + "”."); changed(body); return; }
    setTimeout(function () {
      fetch(form.dataset.uploadUrl.replace(/upload\/$/, file.id + "/"), {credentials: "same-origin"})
        .then(function (r) { return r.json(); }).then(function (f) { whenReady(f, tries + 1); });
    }, 500);
  }
  function intoBody(files) {
    var start = body.selectionStart, end = body.selectionEnd;
    Array.prototype.reduce.call(files, function (chain, file) {
      return chain.then(function () {
        return send(file).then(function (f) {
          // The image on a line of its own: a line break before and after unless one is there.
          var before = body.value.slice(0, start), after = body.value.slice(end);
          var text = (before && !/\n$/.test(before) ? "\n" : "") + f.markdown + (/^\n/.test(after) ? "" : "\n");
          body.setRangeText(text, start, end, "end");
          start = end = body.selectionEnd;
          changed(body); whenReady(f, 0);
        });
      });
    }, Promise.resolve()).catch(function () {});
  }
  function picker(label, onFiles, multiple) {
    var input = document.createElement("input");
    input.type = "file"; input.accept = "image/jpeg,image/png,image/gif,image/webp"; input.hidden = true; input.multiple = !!multiple;
    var button = document.createElement("button");
    button.type = "button"; button.className = "secondary"; button.textContent = label;
    button.addEventListener("click", function () { input.click(); });
    input.addEventListener("change", function () { if (input.files.length) onFiles(input.files); input.value = ""; });
    var wrap = document.createElement("span"); wrap.appendChild(button); wrap.appendChild(input);
    return wrap;
  }
  var bodyRow = body.closest("p"), tools = document.createElement("p");
  tools.className = "upload-tools";
  var bodyButton = picker("Upload image", intoBody, true);
  bodyButton.firstChild.dataset.upload = "body";
  tools.appendChild(bodyButton);
  tools.appendChild(status);
  bodyRow.parentNode.insertBefore(tools, bodyRow.nextSibling);
  if (cover) {
    var coverButton = picker("Upload cover", function (files) {
      send(files[0]).then(function (f) { cover.value = f.absolute_url; changed(cover); whenReady(f, 0); }).catch(function () {});
    });
    coverButton.firstChild.dataset.upload = "cover";
    cover.parentNode.insertBefore(coverButton, cover.nextSibling);
  }
  function imagesIn(e) { return e.dataTransfer && Array.prototype.some.call(e.dataTransfer.types || [], function (t) { return t === "Files"; }); }
  body.addEventListener("dragover", function (e) { if (imagesIn(e)) { e.preventDefault(); body.classList.add("drop-target"); } });
  body.addEventListener("dragleave", function () { body.classList.remove("drop-target"); });
  body.addEventListener("drop", function (e) {
    body.classList.remove("drop-target");
    if (!e.dataTransfer.files.length) return;
    e.preventDefault(); body.focus(); intoBody(e.dataTransfer.files);
  });
  body.addEventListener("paste", function (e) {
    var files = e.clipboardData && e.clipboardData.files;
    if (files && files.length) { e.preventDefault(); intoBody(files); }
  });
})();
