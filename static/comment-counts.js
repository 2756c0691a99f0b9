/* Comment and like counts in a list of posts, from /comments/counts/ (cached a few seconds,
   so the list itself stays cached). */
(function () {
  "use strict";
  var spots = document.querySelectorAll("[data-counts-for]");
  if (!spots.length) return;
  var ids = Array.prototype.map.call(spots, function (s) { return s.getAttribute("data-counts-for"); });
  fetch("/comments/counts/?ids=" + ids.join(",")).then(function (r) { return r.json(); }).then(function (counts) {
    spots.forEach(function (s) {
      var c = counts[s.getAttribute("data-counts-for")];
      if (!c || (!c.comments && !c.likes)) return;
      s.textContent = c.comments + " comment" + (c.comments === 1 ? "" : "s") + " · " + c.likes + " like" + (c.likes === 1 ? "" : "s");
      s.hidden = false;
    });
  });
})();
