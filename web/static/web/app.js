// What the pages need beyond htmx: keep what was typed (a draft per form, in localStorage) through a
// failed send, a reload or an ended session, and say plainly when a form was not sent. Drafts belong to
// the person signed in (a tablet is shared): each is kept under its owner, signing out ends them all, and
// none outlives a shift. Every script of the pages is here: the Content-Security-Policy allows no other.
(function () {
  "use strict";
  var PREFIX = "srd-draft2:";
  var LEGACY = "srd-draft:"; // drafts of every user together, before they had an owner

  function owner() {
    return (document.body && document.body.dataset.draftOwner) || "anon";
  }

  function draftKey(form) {
    // Fixed when the form is first seen: an answer swapped into the page later may belong to no one.
    if (!form.dataset.draftKey) form.dataset.draftKey = PREFIX + owner() + ":" + form.dataset.draft;
    return form.dataset.draftKey;
  }

  function forgetAll(prefix) {
    try {
      for (var index = localStorage.length - 1; index >= 0; index--) {
        var key = localStorage.key(index);
        if (key && key.indexOf(prefix) === 0) localStorage.removeItem(key);
      }
    } catch (e) { /* storage off */ }
  }

  // A draft saved longer ago than a session may last (a shift) belongs to no one still at the tablet.
  function stale(data) {
    var maxAge = Number(document.body && document.body.dataset.draftMaxAge);
    return Boolean(maxAge) && !(data && data.savedAt > Date.now() - maxAge);
  }

  function forgetStale() {
    try {
      for (var index = localStorage.length - 1; index >= 0; index--) {
        var key = localStorage.key(index);
        if (!key || key.indexOf(PREFIX) !== 0) continue;
        var data;
        try { data = JSON.parse(localStorage.getItem(key)); } catch (e) { data = null; }
        if (stale(data)) localStorage.removeItem(key);
      }
    } catch (e) { /* storage off */ }
  }

  function fields(form) {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && el.name !== "csrfmiddlewaretoken" && el.type !== "password" && el.type !== "submit" &&
        el.type !== "file";
    });
  }

  function save(form) {
    var values = {};
    fields(form).forEach(function (el) {
      if (el.type === "radio" || el.type === "checkbox") {
        if (el.checked) values[el.name] = el.value;
      } else {
        values[el.name] = el.value;
      }
    });
    var data = { savedAt: Date.now(), values: values };
    try { localStorage.setItem(draftKey(form), JSON.stringify(data)); } catch (e) { /* full or off */ }
  }

  function restore(form) {
    var data;
    try { data = JSON.parse(localStorage.getItem(draftKey(form)) || "null"); } catch (e) { data = null; }
    if (!data || !data.values) return;
    if (stale(data)) { forget(form); return; }
    // The draft's hidden id and form key come back too: a form that reached the server before the
    // connection failed is then recognised, not acted on twice.
    fields(form).forEach(function (el) {
      if (!(el.name in data.values)) return;
      if (el.type === "radio" || el.type === "checkbox") el.checked = el.value === data.values[el.name];
      else el.value = data.values[el.name];
    });
  }

  function forget(form) {
    try { localStorage.removeItem(draftKey(form)); } catch (e) { /* nothing kept */ }
  }

  function init(root) {
    var forms = root.matches && root.matches("form[data-draft]") ? [root] : [];
    forms = forms.concat(Array.prototype.slice.call(root.querySelectorAll("form[data-draft]")));
    forms.forEach(function (form) {
      if (form.dataset.draftReady) return;
      form.dataset.draftReady = "1";
      // A form sent back with the server's errors already shows what was typed.
      if (!form.querySelector(".error")) restore(form);
      form.addEventListener("input", function () { save(form); });
      form.addEventListener("change", function () { save(form); });
    });
  }

  // A page that confirms a form was taken (the public form's thank-you page) ends its draft.
  function done(root) {
    Array.prototype.forEach.call(root.querySelectorAll("[data-draft-done]"), function (el) {
      forget({ dataset: { draft: el.dataset.draftDone } });
    });
  }

  // A photo over the server's limit is refused on the phone, before a slow upload that would be refused anyway.
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("input[type=file][data-max-bytes]")) return;
    var max = Number(input.dataset.maxBytes);
    var tooLarge = max && Array.prototype.some.call(input.files || [], function (file) { return file.size > max; });
    input.setCustomValidity(tooLarge ? input.dataset.tooLarge : "");
    if (tooLarge) { input.reportValidity(); input.value = ""; }
  });

  // A quick choice fills its field (e.g. "resume in 1 hour" fills the hold's time, worked out by the server).
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[data-fill]");
    if (!button) return;
    var field = document.querySelector(button.dataset.fill);
    if (!field) return;
    field.value = button.dataset.value;
    field.dispatchEvent(new Event("change", { bubbles: true }));
  });

  function notSent(show) {
    var banner = document.getElementById("not-sent");
    if (banner) banner.hidden = !show;
  }

  document.addEventListener("DOMContentLoaded", function () {
    forgetAll(LEGACY);
    forgetStale();
    init(document);
    done(document);
  });
  // Signing out ends the drafts of the one signing out (and the public pages'): the next person on the
  // tablet must not see a customer's words or phone. Another person's unsent words wait for them.
  document.addEventListener("submit", function (event) {
    if (!event.target.matches("form[data-sign-out]")) return;
    forgetAll(PREFIX + owner() + ":");
    forgetAll(PREFIX + "anon:");
  }, true);
  document.addEventListener("htmx:load", function (event) { init(event.detail.elt); done(event.detail.elt); });
  document.addEventListener("htmx:beforeRequest", function (event) {
    // A list that refreshes itself waits while someone is typing in one of its forms.
    var elt = event.detail.elt;
    var active = document.activeElement;
    if (elt.hasAttribute("data-refresh-waits-for-forms") && active && elt.contains(active) && active.closest("form")) {
      event.preventDefault();
      return;
    }
    notSent(false);
  });
  document.addEventListener("htmx:sendError", function () { notSent(true); });
  document.addEventListener("htmx:timeout", function () { notSent(true); });
  document.addEventListener("htmx:responseError", function () { notSent(true); });
  // The form being sent: htmx's events for a boosted form name the element it swaps (the body).
  var sending = null;
  document.addEventListener("submit", function (event) {
    sending = event.target.matches("form[data-draft]") ? event.target : null;
    // Kept as sent: if the answer is a refusal that replaces the page (an ended session, a stale
    // tab), the words are still on the tablet for the person who typed them.
    if (sending) save(sending);
  }, true);
  document.addEventListener("htmx:afterRequest", function (event) {
    var xhr = event.detail.xhr;
    var sent = event.detail.requestConfig && event.detail.requestConfig.verb === "post";
    // Accepted (a redirect to the next page): the draft has done its work. Refused (4xx with the
    // form's errors) or lost: it stays.
    if (sending && sent && xhr && xhr.status >= 200 && xhr.status < 400) {
      forget(sending);
      sending = null;
    }
  });
})();
