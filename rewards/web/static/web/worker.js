/* Worker pages: the camera button on phones, the 户籍地/来杭年限 fields shown only for
   外来务工人员, the typed fields checked before the photos are sent, and the self-check answer
   brought into view. The previews of the chosen materials
   and large photos made smaller are uploads.js's (loaded with it). Every page works without it. */
(function () {
  "use strict";

  // On phones, a second button opens the camera directly; its photo goes into the real field,
  // whose "change" event lets uploads.js make it smaller and show it.
  function setUpCamera(root) {
    var coarse = window.matchMedia && window.matchMedia("(pointer: coarse)").matches;
    if (!coarse || typeof DataTransfer === "undefined") return;
    root.querySelectorAll("input[data-capture-for]").forEach(function (camera) {
      var target = document.getElementById(camera.getAttribute("data-capture-for"));
      if (!target) return;
      camera.parentNode.hidden = false;
      camera.addEventListener("change", function () {
        if (!camera.files || !camera.files[0]) return;
        var transfer = new DataTransfer();
        transfer.items.add(camera.files[0]);
        target.files = transfer.files;
        target.dispatchEvent(new Event("change", { bubbles: true }));
      });
    });
  }

  function setUpMigrant(root) {
    var extra = root.querySelector("[data-migrant-extra]");
    var radios = root.querySelectorAll("input[name=is_migrant]");
    if (!extra || !radios.length) return;
    function update() {
      var checked = root.querySelector("input[name=is_migrant]:checked");
      extra.hidden = !(checked && checked.value === "是");
    }
    radios.forEach(function (radio) { radio.addEventListener("change", update); });
    update();
  }

  // Before a form with photos is sent, its typed fields go alone to the server's own checks
  // (worker:precheck). A typo is then shown in place, without a new page, so the photos stay
  // chosen: a browser never keeps chosen files across pages. Anything else (all well, no
  // answer, an error of another kind) lets the form go as it would without this script.
  function clearPrechecked(form) {
    form.querySelectorAll("[data-precheck-error]").forEach(function (node) { node.parentNode.removeChild(node); });
    form.querySelectorAll("[data-precheck-invalid]").forEach(function (field) {
      field.classList.remove("has-error");
      field.removeAttribute("data-precheck-invalid");
      var input = field.querySelector("input, select, textarea");
      if (input) input.removeAttribute("aria-invalid");
    });
  }

  function errorLine(text) {
    var p = document.createElement("p");
    p.className = "w-error";
    p.setAttribute("data-precheck-error", "");
    p.textContent = text;
    return p;
  }

  function showPrechecked(form, answer) {
    var summary = document.createElement("div");
    summary.className = "w-alert error";
    summary.setAttribute("role", "alert");
    summary.setAttribute("tabindex", "-1");
    summary.setAttribute("data-precheck-error", "");
    var lines = [answer.message || "填写的内容有误，请按红色提示修改。"].concat(answer.other || []);
    lines.push("已选择的材料仍然保留，改好后直接提交即可。");
    lines.forEach(function (text) {
      var p = document.createElement("p");
      p.textContent = text;
      summary.appendChild(p);
    });
    var first = null;
    Object.keys(answer.fields || {}).forEach(function (name) {
      var field = form.querySelector("#field-" + name);
      if (!field) return;
      field.classList.add("has-error");
      field.setAttribute("data-precheck-invalid", "");
      var input = field.querySelector("input, select, textarea");
      if (input) input.setAttribute("aria-invalid", "true");
      var hint = field.querySelector(".w-hint");
      answer.fields[name].forEach(function (text) { field.insertBefore(errorLine(text), hint); });
      if (!first) first = input || field;
    });
    var token = form.querySelector("input[name=csrfmiddlewaretoken]");
    form.insertBefore(summary, token ? token.nextSibling : form.firstChild);
    if (first) {
      first.scrollIntoView({ behavior: "smooth", block: "center" });
      if (first.focus) first.focus({ preventScroll: true });
    } else {
      summary.scrollIntoView({ behavior: "smooth", block: "start" });
      summary.focus({ preventScroll: true });
    }
  }

  function setUpPrecheck(root) {
    root.querySelectorAll("form[data-precheck]").forEach(function (form) {
      if (form.hasAttribute("data-precheck-ready") || typeof fetch === "undefined" || typeof FormData === "undefined") return;
      form.setAttribute("data-precheck-ready", "");
      var checking = false;
      form.addEventListener("submit", function (event) {
        if (event.defaultPrevented) return;
        if (form.hasAttribute("data-prechecked")) return; // checked: now it really goes
        event.preventDefault();
        if (checking) return;
        checking = true;
        var body = new FormData(form);
        form.querySelectorAll("input[type=file]").forEach(function (input) { if (input.name) body.delete(input.name); });
        body.append("mode", form.getAttribute("data-precheck-mode") || "apply");
        if (form.hasAttribute("data-precheck-bank-only")) body.append("bank_only", "1");
        function send() {
          form.setAttribute("data-prechecked", "");
          form.submit();
        }
        fetch(form.getAttribute("data-precheck"), { method: "POST", body: body, credentials: "same-origin", redirect: "error" })
          .then(function (response) { return response.status === 400 ? response.json() : null; })
          .then(function (answer) {
            checking = false;
            clearPrechecked(form);
            if (answer && answer.ok === false) showPrechecked(form, answer);
            else send();
          })
          .catch(function () { checking = false; send(); });
      });
    });
  }

  function setUp(root) {
    setUpCamera(root);
    setUpMigrant(root);
    setUpPrecheck(root);
  }

  document.addEventListener("DOMContentLoaded", function () { setUp(document); });
  // The self-check answer arrives through htmx: bring it into view on a small screen.
  document.addEventListener("htmx:afterSwap", function () {
    var result = document.getElementById("check-result") || document.querySelector("#check-area .w-alert");
    if (result) {
      result.scrollIntoView({ behavior: "smooth", block: "start" });
      if (result.focus) result.focus({ preventScroll: true });
    }
  });
})();
