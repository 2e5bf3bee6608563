// The field a server-rendered error marks with `autofocus` (an acknowledgement without a reason, a save that asks to
// confirm): brought into view and focused once the page has its layout, which autofocus alone does not always do.
document.addEventListener("DOMContentLoaded", function () {
  var target = document.querySelector("main [autofocus]");
  if (target) {
    target.focus({ preventScroll: true });
    target.scrollIntoView({ block: "center", behavior: "instant" });
  }
});
