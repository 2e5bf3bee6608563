// Progressive enhancement of the intake form. Without JavaScript the form works the same (one medication name per
// line, the save buttons, the section links). With it:
// - focus on the error summary after a failed save, each link taking focus to its question;
// - a medication finder with the catalogue's names as suggestions;
// - the draft: the form is sent to the server as the clinician goes (after a pause in typing, and when the page is
//   left), so that nothing typed is lost; sending also keeps the session alive;
// - a warning two minutes before the session would end for inactivity, with a "Stay signed in" button;
// - the live panel: the server's engine assesses the answers so far and returns the panel's HTML (no clinical logic
//   here: this file only sends the form and shows what comes back);
// - per section, "answer No to the unanswered questions" (the server names each question's No answer), undoable.
(function () {
  "use strict";
  var summary = document.getElementById("error-summary");
  if (summary) {
    summary.focus();
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      var target = link && document.getElementById(link.getAttribute("href").slice(1));
      if (target) { event.preventDefault(); target.focus(); target.scrollIntoView({block: "center"}); }
    });
  }
  var form = document.getElementById("intake-form");
  if (!form) { return; }
  var status = document.getElementById("live-status");
  function announce(text) { status.textContent = ""; window.setTimeout(function () { status.textContent = text; }, 50); }

  // Medication finder.
  var list = document.getElementById("id_medications");
  var template = document.getElementById("medication-finder-template");
  if (list && template) {
    list.removeAttribute("list");
    list.parentNode.insertBefore(template.content.cloneNode(true), list);
    var search = document.getElementById("medication-search");
    var addName = function () {
      var name = search.value.trim();
      if (!name) { return; }
      var lines = list.value.split("\n").map(function (l) { return l.trim(); }).filter(Boolean);
      if (lines.indexOf(name) === -1) { lines.push(name); }
      list.value = lines.join("\n");
      search.value = "";
      search.focus();
      list.dispatchEvent(new Event("change", {bubbles: true}));
    };
    document.getElementById("medication-add").addEventListener("click", addName);
    search.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); addName(); }
    });
  }

  // What the form holds, as the server reads a post of it. The finder's own box is not part of the form's data.
  function body() {
    var data = new FormData(form);
    var params = new URLSearchParams();
    data.forEach(function (value, name) { params.append(name, value); });
    return params;
  }
  function csrf() { return form.querySelector("[name=csrfmiddlewaretoken]").value; }

  // The session: every answer from the server renews it for `seconds`.
  var seconds = parseInt(form.dataset.sessionSeconds, 10) || 1800;
  var lead = Math.min(120, seconds / 2);
  var lastContact = Date.now();
  var warning = document.getElementById("session-warning");
  var warningText = document.getElementById("session-warning-text");
  var stay = document.getElementById("session-stay");
  var saveAgain = document.getElementById("session-save");
  var focusBefore = null;
  var signedOut = false;
  function contact(remaining) {
    lastContact = Date.now() - Math.max(0, seconds - (remaining === undefined ? seconds : remaining)) * 1000;
    if (!warning.hidden && !signedOut) { hideWarning(); }
  }
  function hideWarning() {
    warning.hidden = true;
    if (focusBefore && document.body.contains(focusBefore)) { focusBefore.focus(); }
    focusBefore = null;
  }
  function showSignedOut() {
    signedOut = true;
    warningText.textContent = "You have been signed out. Your entries are kept: save, sign in again and you come " +
      "back to this form with everything in it.";
    var wasShown = !warning.hidden;
    stay.hidden = true;
    saveAgain.hidden = false;
    warning.hidden = false;
    if (!wasShown || document.activeElement === stay || document.activeElement === document.body) { saveAgain.focus(); }
    draftStatus("Signed out: entries kept as a draft.");
  }
  function keepAlive() {
    return fetch(form.dataset.keepaliveUrl, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.json(); })
      .then(function (answer) {
        if (answer.signed_in) {
          signedOut = false;
          stay.hidden = false;
          saveAgain.hidden = true;
          contact(answer.expires_in);
        } else {
          showSignedOut();
        }
      })
      .catch(function () { /* offline for a moment: the next activity tries again */ });
  }
  stay.addEventListener("click", function () { keepAlive(); });
  window.setInterval(function () {
    var idle = (Date.now() - lastContact) / 1000;
    // Only once the session has surely ended (asking renews a live one, which must not happen without activity).
    if (!signedOut && idle >= seconds + 15) { keepAlive(); return; }
    if (warning.hidden && !signedOut && idle >= seconds - lead) {
      focusBefore = document.activeElement;
      warning.hidden = false;
      stay.focus();
    }
  }, 5000);

  // The draft.
  var statusLine = document.getElementById("draft-status");
  function draftStatus(text) { statusLine.textContent = text; }
  var dirty = false;
  var submitting = false;
  var draftTimer = null;
  function saveDraft() {
    draftTimer = null;
    if (!dirty || submitting) { return; }
    dirty = false;
    fetch(form.dataset.draftUrl, {method: "POST", body: body(), credentials: "same-origin",
                                  headers: {"X-CSRFToken": csrf(), "Accept": "application/json"}})
      .then(function (r) { return r.json().then(function (answer) { return [r, answer]; }); })
      .then(function (pair) {
        var answer = pair[1];
        if (answer.saved) {
          draftStatus("Draft saved at " + answer.at + ". Only you can see it.");
          // A reload of the page (or coming back to it) shows the draft again, not an empty form.
          if (!/[?&]draft=/.test(window.location.search)) {
            window.history.replaceState(null, "", window.location.pathname + "?draft=" + form.elements.draft_key.value);
          }
          if (answer.signed_in) { contact(); } else { showSignedOut(); }
        } else {
          draftStatus("The draft was not saved: " + answer.reason);
        }
      })
      .catch(function () { dirty = true; draftStatus("The draft could not be sent; it is tried again at the next change."); });
  }
  window.addEventListener("pagehide", function () {
    if (dirty && !submitting && navigator.sendBeacon) { navigator.sendBeacon(form.dataset.draftUrl, body()); dirty = false; }
  });
  form.addEventListener("submit", function () { submitting = true; });

  // The live panel.
  var panel = document.getElementById("live-panel");
  var liveBody = document.getElementById("live-body");
  var barSummary = document.getElementById("live-bar-summary");
  var toggle = document.getElementById("live-toggle");
  var side = document.getElementById("intake-side");
  panel.hidden = false;
  barSummary.hidden = false;
  toggle.hidden = false;
  toggle.addEventListener("click", function () {
    var open = side.classList.toggle("open");
    side.style.bottom = document.getElementById("intake-bar").offsetHeight + "px";
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    if (open) { side.setAttribute("tabindex", "-1"); side.focus(); }
  });
  var liveTimer = null;
  var liveRequest = 0;
  var lastSummary = "";
  function updateLive() {
    liveTimer = null;
    var mine = ++liveRequest;
    fetch(form.dataset.liveUrl, {method: "POST", body: body(), credentials: "same-origin",
                                 headers: {"X-CSRFToken": csrf(), "Accept": "text/html"}})
      .then(function (r) {
        if (r.redirected || !r.ok) { throw new Error("no panel"); }
        return r.text();
      })
      .then(function (html) {
        if (mine !== liveRequest) { return; }
        liveBody.innerHTML = html;
        contact();
        var content = liveBody.querySelector("[data-summary]");
        var text = content ? content.getAttribute("data-summary") : "";
        barSummary.textContent = text;
        if (text && text !== lastSummary) { announce("Live assessment: " + text); lastSummary = text; }
      })
      .catch(function () {
        if (mine === liveRequest) { barSummary.textContent = "The live assessment is not available; saving still works."; }
      });
  }

  function changed() {
    dirty = true;
    if (draftTimer) { window.clearTimeout(draftTimer); }
    draftTimer = window.setTimeout(saveDraft, 1500);
    if (liveTimer) { window.clearTimeout(liveTimer); }
    liveTimer = window.setTimeout(updateLive, 350);
  }
  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  updateLive();

  // "Answer No to the rest of this section": fills only the questions still at Not assessed, and can be undone.
  Array.prototype.forEach.call(form.querySelectorAll("fieldset[data-no-answers]"), function (fieldset) {
    var answers = JSON.parse(fieldset.getAttribute("data-no-answers"));
    var box = document.createElement("div");
    box.className = "answer-no";
    var fill = document.createElement("button");
    fill.type = "button";
    fill.className = "btn btn-outline-secondary btn-sm";
    fill.textContent = "Answer No to the unanswered questions of this section";
    var undo = document.createElement("button");
    undo.type = "button";
    undo.className = "btn btn-link btn-sm";
    undo.hidden = true;
    box.appendChild(fill);
    box.appendChild(undo);
    fieldset.appendChild(box);
    var filled = [];
    function radio(name, value) {
      return fieldset.querySelector("input[type=radio][name='" + name + "'][value='" + value + "']");
    }
    fill.addEventListener("click", function () {
      filled = [];
      Object.keys(answers).forEach(function (name) {
        var unanswered = radio(name, "");
        var no = radio(name, answers[name]);
        if (unanswered && no && unanswered.checked) { no.checked = true; filled.push(name); }
      });
      if (filled.length) {
        undo.textContent = "Undo: set these " + filled.length + " back to Not assessed";
        undo.hidden = false;
        changed();
        announce(filled.length + " unanswered question" + (filled.length === 1 ? "" : "s") +
                 " set to No. The undo button is next to this one.");
      } else {
        announce("Every question of this section already has an answer; nothing was changed.");
      }
    });
    undo.addEventListener("click", function () {
      var undone = 0;
      filled.forEach(function (name) {
        var no = radio(name, answers[name]);
        if (no && no.checked) { radio(name, "").checked = true; undone += 1; }
      });
      filled = [];
      undo.hidden = true;
      fill.focus();
      changed();
      announce(undone + " answer" + (undone === 1 ? "" : "s") + " set back to Not assessed.");
    });
  });
})();
