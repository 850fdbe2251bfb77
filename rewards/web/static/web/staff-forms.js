/* Every staff page: a form marked data-confirm asks first; a form marked data-once is sent once
   (a second click while the page is on its way does nothing); a list marked data-autosubmit (a
   year, a filter) opens what is chosen with the mouse at once, while a choice made with the
   keyboard waits for Enter or the form's button, so that stepping through the years with the
   arrow keys does not load each year on the way (WCAG 3.2.2); a link that asks with hx-get opens
   in a new browser tab with Ctrl, ⌘ or Shift; a 400 that redraws the region asked for (an error
   in place) is drawn. Without the script the pages work the same with
   their buttons and links, the server refusing a second submission on its own. */
(function () {
  "use strict";

  // A page's own check (a decision without its opinion) says what is missing in one line above
  // the form's button and puts the focus on the field; found = {text, field} or null (all well).
  window.staffForms = {
    sayProblem: function (form, found) {
      var line = form.querySelector("[data-decision-problem]");
      if (!found) {
        if (line) { line.parentNode.removeChild(line); }
        return;
      }
      if (!line) {
        line = document.createElement("p");
        line.className = "form-error";
        line.setAttribute("role", "alert");
        line.setAttribute("data-decision-problem", "");
        form.insertBefore(line, form.querySelector('button[type="submit"]'));
      }
      line.textContent = found.text;
      if (found.field) { found.field.focus(); }
    }
  };

  // A link that asks with hx-get (a status tab or a page of the queue, a page of the audit log),
  // opened with Ctrl, ⌘ or Shift, goes to a new browser tab or window by its href, as a boosted
  // link would; htmx would draw it here (it lets a modified click through only for boosted links).
  document.addEventListener("click", function (event) {
    if ((event.ctrlKey || event.metaKey || event.shiftKey) && event.target.closest && event.target.closest("a[hx-get][href]")) {
      event.stopPropagation();  // before htmx's listener on the link; the browser does the rest
    }
  }, true);

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented) { return; }  // stopped by the page's own check (a missing opinion): nothing to confirm
    if (form.hasAttribute("data-confirm") && !window.confirm(form.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });

  // On the window, after every page's own checks on the document (a decision without its
  // opinion, a 批量通过 not confirmed): a form they stopped is not sent and stays usable.
  window.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute || !form.hasAttribute("data-once")) { return; }
    if (form.dataset.sent) { event.preventDefault(); return; }
    if (event.defaultPrevented) { return; }
    form.dataset.sent = "1";
    form.querySelectorAll("button[type=submit]").forEach(function (button) {
      setTimeout(function () { button.disabled = true; }, 0);
    });
  });

  var STEPPING = ["ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight", "Home", "End", "PageUp", "PageDown"];
  document.addEventListener("keydown", function (event) {
    var list = event.target;
    if (!list.matches || !list.matches("select[data-autosubmit]")) { return; }
    if (event.key === "Enter" && list.dataset.keyed) {
      event.preventDefault();
      send(list.form);
    } else if (STEPPING.indexOf(event.key) >= 0 || event.key.length === 1) {
      list.dataset.keyed = "1";  // a letter picks an option by its first character too
    }
  });
  document.addEventListener("pointerdown", function (event) {
    if (event.target.matches && event.target.matches("select[data-autosubmit]")) { delete event.target.dataset.keyed; }
  });
  document.addEventListener("change", function (event) {
    var list = event.target;
    if (list.matches && list.matches("select[data-autosubmit]") && !list.dataset.keyed && list.form) { send(list.form); }
  });
  function send(form) {
    if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
  }

  // A 400 that draws what was asked for (the audit log's filters with 开始日期晚于结束日期, a chain
  // check whose step expired) is drawn: htmx leaves every 4xx undrawn, and the page would go on
  // showing the earlier answer with nothing said. Drawn only when the answer holds the element
  // it replaces, so an error page of another kind never empties the region.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var detail = event.detail;
    if (!detail.xhr || detail.xhr.status !== 400 || !detail.target || !detail.target.id) { return; }
    var answer = new DOMParser().parseFromString(detail.serverResponse || "", "text/html");
    if (answer.getElementById(detail.target.id)) {
      detail.shouldSwap = true;
      detail.isError = false;
    }
  });

  // Back to the page from the next one (the browser's page cache): its forms can be sent again.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) { return; }
    document.querySelectorAll("form[data-once]").forEach(function (form) {
      delete form.dataset.sent;
      form.querySelectorAll("button[type=submit]").forEach(function (button) { button.disabled = false; });
    });
  });
})();
