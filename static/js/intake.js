// Progressive enhancement of the intake form: a medication finder with catalogue suggestions, and focus on the
// error summary after a failed save. Without JavaScript the form works the same, one name per line.
(function () {
  "use strict";
  var summary = document.getElementById("error-summary");
  if (summary) {
    summary.focus();
    // Each link of the summary takes keyboard focus to its question, not just the scroll position.
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      var target = link && document.getElementById(link.getAttribute("href").slice(1));
      if (target) { event.preventDefault(); target.focus(); target.scrollIntoView({block: "center"}); }
    });
  }
  var list = document.getElementById("id_medications");
  var template = document.getElementById("medication-finder-template");
  if (!list || !template) { return; }
  list.removeAttribute("list");
  list.parentNode.insertBefore(template.content.cloneNode(true), list);
  var search = document.getElementById("medication-search");
  var add = document.getElementById("medication-add");
  function addName() {
    var name = search.value.trim();
    if (!name) { return; }
    var lines = list.value.split("\n").map(function (l) { return l.trim(); }).filter(Boolean);
    if (lines.indexOf(name) === -1) { lines.push(name); }
    list.value = lines.join("\n");
    search.value = "";
    search.focus();
  }
  add.addEventListener("click", addName);
  search.addEventListener("keydown", function (event) {
    if (event.key === "Enter") { event.preventDefault(); addName(); }
  });
})();
