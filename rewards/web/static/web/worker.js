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
      // Asked for (and marked *) only while shown: a hidden required box would stop the form.
      extra.querySelectorAll("input").forEach(function (input) { input.required = !extra.hidden; });
    }
    radios.forEach(function (radio) { radio.addEventListener("change", update); });
    update();
  }

  // Before a form with photos is sent, its typed fields go alone to the server's own checks
  // (worker:precheck). A typo is then shown in place, without a new page, so the photos stay
  // chosen: a browser never keeps chosen files across pages. Anything else (all well, no
  // answer, an error of another kind) lets the form go as it would without this script.
  var KEPT = "已选择的材料仍然保留，改好后直接提交即可。";

  function anyChosen(form) {
    return Array.prototype.some.call(form.querySelectorAll("input[type=file]"), function (input) {
      return input.files && input.files.length > 0;
    });
  }

  function clearPrechecked(form) {
    form.querySelectorAll("[data-precheck-error]").forEach(function (node) { node.parentNode.removeChild(node); });
    document.querySelectorAll("[data-precheck-outcome]").forEach(function (node) { node.parentNode.removeChild(node); });
    form.querySelectorAll("[data-precheck-invalid]").forEach(function (field) {
      field.classList.remove("has-error");
      field.removeAttribute("data-precheck-invalid");
      var input = field.querySelector("input, select, textarea");
      if (input) {
        input.removeAttribute("aria-invalid");
        // Back to the description the page gave it (its hint), without the lines just removed.
        var before = input.getAttribute("data-describedby");
        if (before) input.setAttribute("aria-describedby", before);
        else input.removeAttribute("aria-describedby");
      }
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
    if (anyChosen(form)) lines.push(KEPT);
    lines.forEach(function (text) {
      var p = document.createElement("p");
      p.textContent = text;
      summary.appendChild(p);
    });
    Object.keys(answer.fields || {}).forEach(function (name) {
      var field = form.querySelector("#field-" + name);
      if (!field) return;
      field.classList.add("has-error");
      field.setAttribute("data-precheck-invalid", "");
      var input = field.querySelector("input, select, textarea");
      var hint = field.querySelector(".w-hint");
      var ids = [];
      answer.fields[name].forEach(function (text, index) {
        var line = errorLine(text);
        line.id = "precheck-error-" + name + "-" + index;
        ids.push(line.id);
        field.insertBefore(line, hint);
      });
      if (input) {
        // The reason is read out with the field (a screen reader announces it on focus).
        if (!input.hasAttribute("data-describedby")) input.setAttribute("data-describedby", input.getAttribute("aria-describedby") || "");
        input.setAttribute("aria-invalid", "true");
        input.setAttribute("aria-describedby", ids.concat(hint && hint.id ? [hint.id] : []).join(" "));
      }
    });
    // The first field in the order of the page, not of the answer.
    var firstField = form.querySelector("[data-precheck-invalid]");
    var first = firstField ? firstField.querySelector("input, select, textarea") || firstField : null;
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

  // The rules refused the submission (a date typed a year wrong passes every field check): the
  // rules' answer, as the page would show it, above the form, with the photos still chosen.
  function showOutcome(form, answer) {
    var box = document.createElement("div");
    box.setAttribute("data-precheck-outcome", "");
    box.innerHTML = answer.outcome; // the server's own template, escaped there
    var section = box.querySelector("section") || box;
    if (anyChosen(form)) {
      var kept = document.createElement("p");
      kept.textContent = KEPT;
      section.appendChild(kept);
    }
    form.parentNode.insertBefore(box, form);
    section.setAttribute("tabindex", "-1");
    section.scrollIntoView({ behavior: "smooth", block: "start" });
    section.focus({ preventScroll: true });
  }

  // The sign-in ended while the form was open: say so above the form, with a link that signs in
  // on a new page, and keep everything typed and chosen here (nothing is sent).
  function showSignedOut(form, answer) {
    clearPrechecked(form);
    var box = document.createElement("div");
    box.className = "w-alert error";
    box.setAttribute("role", "alert");
    box.setAttribute("tabindex", "-1");
    box.setAttribute("data-precheck-error", "");
    var p = document.createElement("p");
    p.textContent = answer.message;
    var link = document.createElement("a");
    link.href = answer.signin;
    var stale = answer.signin === location.pathname;
    if (!stale) {
      link.target = "_blank";
      link.rel = "noopener";
    }
    link.className = "w-btn small";
    link.textContent = stale ? "重新打开本页" : "重新登录（新页面）";
    box.appendChild(p);
    box.appendChild(link);
    var token = form.querySelector("input[name=csrfmiddlewaretoken]");
    form.insertBefore(box, token ? token.nextSibling : form.firstChild);
    box.scrollIntoView({ behavior: "smooth", block: "start" });
    box.focus({ preventScroll: true });
  }

  // While the form is being sent, the button says so and further taps are ignored: a second tap
  // would start the upload over from the beginning.
  function showSending(form) {
    form.setAttribute("data-sending", "");
    form.querySelectorAll("button[type=submit], input[type=submit]").forEach(function (button) {
      button.disabled = true;
      button.setAttribute("data-label", button.textContent);
      button.textContent = "正在提交……";
    });
    var note = form.querySelector("[data-sending-note]");
    if (!note) {
      note = document.createElement("p");
      note.className = "w-hint";
      note.setAttribute("data-sending-note", "");
      note.setAttribute("role", "status");
      var button = form.querySelector("button[type=submit]");
      (button ? button.parentNode : form).appendChild(note);
    }
    var bytes = 0;
    form.querySelectorAll("input[type=file]").forEach(function (input) {
      Array.prototype.forEach.call(input.files || [], function (file) { bytes += file.size; });
    });
    note.textContent =
      "正在上传" + (bytes ? "（约 " + megabytes(bytes) + " MB）" : "") + "，网络较慢时可能需要一两分钟，请勿离开本页或重复点击。";
    return note;
  }

  function megabytes(bytes) {
    return Math.max(0.1, bytes / 1048576).toFixed(1);
  }

  // The browser's own form submission, when the page cannot send the form itself: if the upload
  // was stopped (the browser's ✕, a lost network) the page stays as it is, so after a while the
  // button may be pressed again rather than staying locked.
  function submitNatively(form, note) {
    setTimeout(function () {
      if (!form.hasAttribute("data-sending")) return;
      ready(form);
      note.textContent = "如果页面长时间没有反应，可以再点一次提交（已提交成功的申请不会重复）。";
    }, SENDING_LOCK_MS);
    form.submit();
  }

  // The form sent by the page itself, so that the worker sees how much of the photos has gone
  // (a weak mobile connection takes minutes for 5 MB) and the button stays locked while bytes
  // still move. Field and material errors come back as JSON and are shown in place with the
  // photos still chosen; success names the page to open; any other answer is shown as the page
  // it is, as the browser would have shown it.
  function submitWithProgress(form, note) {
    var xhr = new XMLHttpRequest();
    var bar = document.createElement("progress");
    bar.className = "w-upload-bar";
    bar.max = 1;
    bar.value = 0;
    bar.setAttribute("aria-label", "上传进度");
    note.parentNode.insertBefore(bar, note);
    var lastMove = Date.now();
    var lastSaid = 0;
    var uploaded = false;
    var finished = false;
    function stop() {
      finished = true;
      clearInterval(watch);
      if (bar.parentNode) bar.parentNode.removeChild(bar);
    }
    // No byte has moved for a while: the connection is lost or stalled. The button may be
    // pressed again (which starts the upload over); what has not arrived was not submitted.
    var watch = setInterval(function () {
      if (finished || uploaded || Date.now() - lastMove < STALL_MS) return;
      xhr.abort();
    }, 5000);
    form.uploading = xhr;
    xhr.open("POST", form.action);
    xhr.setRequestHeader("X-Worker-Upload", "1");
    xhr.upload.onprogress = function (event) {
      lastMove = Date.now();
      if (!event.lengthComputable || !event.total) return;
      bar.max = event.total;
      bar.value = event.loaded;
      // The words change at most every two seconds (a screen reader reads each change).
      if (Date.now() - lastSaid < 2000 && event.loaded < event.total) return;
      lastSaid = Date.now();
      note.textContent = "正在上传：已完成 " + Math.floor((100 * event.loaded) / event.total) + "%（" + megabytes(event.loaded) +
        " / " + megabytes(event.total) + " MB），请勿离开本页或重复点击。";
    };
    xhr.upload.onload = function () {
      uploaded = true;
      bar.value = bar.max;
      note.textContent = "材料已全部上传，正在等待系统处理，请稍候……";
    };
    function lost() {
      if (finished) return;
      stop();
      ready(form);
      note.textContent = "网络中断或上传停住了，本次没有提交成功。已填写的内容和选择的材料仍然保留：请检查网络后再点一次提交。";
    }
    xhr.onerror = lost;
    xhr.onabort = lost;
    xhr.ontimeout = lost;
    xhr.onload = function () {
      stop();
      var answer = null;
      if ((xhr.getResponseHeader("Content-Type") || "").indexOf("application/json") === 0) {
        try { answer = JSON.parse(xhr.responseText); } catch (error) { answer = null; }
      }
      if (answer && answer.ok && answer.next) {
        note.textContent = "提交成功，正在打开结果页……";
        location.assign(answer.next);
        return;
      }
      if (answer && answer.ok === false) {
        ready(form);
        if (note.parentNode) note.parentNode.removeChild(note);
        clearPrechecked(form);
        if (answer.signed_out) showSignedOut(form, answer);
        else if (answer.outcome) showOutcome(form, answer);
        else showPrechecked(form, answer);
        return;
      }
      // Another answer (a conflict, too many tries, a server or proxy error
      // page): shown whole, at the address it came from.
      if (xhr.responseURL && xhr.responseURL !== location.href) history.replaceState(null, "", xhr.responseURL);
      document.open();
      document.write(xhr.responseText);
      document.close();
    };
    xhr.send(new FormData(form));
  }

  function ready(form) {
    form.removeAttribute("data-sending");
    form.removeAttribute("data-prechecked");
    form.querySelectorAll("button[data-label]").forEach(function (button) {
      button.disabled = false;
      button.textContent = button.getAttribute("data-label");
    });
  }

  // Back to this page from the next one (the browser's page cache): the form can be used again.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    document.querySelectorAll("form[data-sending]").forEach(function (form) {
      ready(form);
      form.querySelectorAll("[data-sending-note]").forEach(function (note) { note.parentNode.removeChild(note); });
    });
  });

  // A material the page already knows cannot go (wrong kind, over 5 MB, or missing where it is
  // required) stops the form here: sending the others over a slow network only to be refused,
  // and to have to choose all three again, helps nobody.
  function chosenFileProblems(form) {
    var problems = {};
    form.querySelectorAll("input[type=file][data-preview]").forEach(function (input) {
      if (!input.name) return;
      var box = document.getElementById("preview-" + input.id);
      var file = input.files && input.files[0];
      if (!file) {
        if (input.hasAttribute("required")) problems[input.name] = [input.getAttribute("data-missing") || "请选择此项材料。"];
      } else if (box && box.querySelector(".w-too-big")) {
        // What uploads.js found: wrong kind, HEIC inside, empty, or over 5 MB.
        var found = box.querySelector(".w-too-big");
        problems[input.name] = [found.getAttribute("data-problem") || found.textContent];
      }
    });
    return problems;
  }

  function withFileProblems(answer, problems) {
    var merged = { ok: false, message: "所选材料有问题，本次没有提交：请按红色提示重新选择。", fields: {}, other: [] };
    if (answer && answer.ok === false) {
      merged.message = answer.message;
      merged.other = answer.other || [];
      Object.keys(answer.fields || {}).forEach(function (name) { merged.fields[name] = answer.fields[name]; });
    }
    Object.keys(problems).forEach(function (name) { merged.fields[name] = problems[name]; });
    return merged;
  }

  var ALIVE_EVERY_MS = 4 * 60 * 1000;
  var SENDING_LOCK_MS = 90 * 1000;
  var STALL_MS = 60 * 1000;
  var STALE_PAGE = "本页已失效（安全校验未通过），本次没有提交。请点击下方按钮重新打开本页后再提交（需重新选择材料）。";

  function setUpPrecheck(root) {
    root.querySelectorAll("form[data-precheck]").forEach(function (form) {
      if (form.hasAttribute("data-precheck-ready") || typeof fetch === "undefined" || typeof FormData === "undefined") return;
      form.setAttribute("data-precheck-ready", "");
      var checking = false;
      // Typing and choosing photos is being active: the session is kept while the form is
      // filled (the 30 idle minutes count from the last of these calls), and an ended one is
      // said at once rather than after the photos have been sent.
      var lastAlive = Date.now();
      function stillHere() {
        if (!form.hasAttribute("data-alive") || Date.now() - lastAlive < ALIVE_EVERY_MS) return;
        lastAlive = Date.now();
        fetch(form.getAttribute("data-alive"), { credentials: "same-origin", redirect: "error" })
          .then(function (response) { return response.status === 401 ? response.json() : null; })
          .then(function (answer) { if (answer && answer.signed_out) showSignedOut(form, answer); })
          .catch(function () {});
      }
      form.addEventListener("input", stillHere);
      form.addEventListener("change", stillHere);
      form.addEventListener("submit", function (event) {
        if (form.hasAttribute("data-sending")) { event.preventDefault(); return; }
        if (event.defaultPrevented) return;
        if (form.hasAttribute("data-prechecked")) { showSending(form); return; } // checked: now it really goes
        event.preventDefault();
        if (checking) return;
        checking = true;
        var fileProblems = chosenFileProblems(form);
        var body = new FormData(form);
        form.querySelectorAll("input[type=file]").forEach(function (input) { if (input.name) body.delete(input.name); });
        body.append("mode", form.getAttribute("data-precheck-mode") || "apply");
        if (form.hasAttribute("data-precheck-bank-only")) body.append("bank_only", "1");
        function send() {
          form.setAttribute("data-prechecked", "");
          var note = showSending(form);
          if (typeof XMLHttpRequest !== "undefined" && "upload" in XMLHttpRequest.prototype) submitWithProgress(form, note);
          else submitNatively(form, note);
        }
        fetch(form.getAttribute("data-precheck"), { method: "POST", body: body, credentials: "same-origin", redirect: "error" })
          .then(function (response) {
            if (response.status === 401 || response.status === 400) return response.json();
            // The page's security token no longer holds: the form would be refused the same way,
            // after all its photos had been sent. Say so instead.
            if (response.status === 403) return { signed_out: true, message: STALE_PAGE, signin: location.pathname };
            return null;
          })
          .then(function (answer) {
            checking = false;
            lastAlive = Date.now();
            clearPrechecked(form);
            if (answer && answer.signed_out) showSignedOut(form, answer);
            else if (Object.keys(fileProblems).length) showPrechecked(form, withFileProblems(answer, fileProblems));
            else if (answer && answer.ok === false) showPrechecked(form, answer);
            else send();
          })
          .catch(function () {
            checking = false;
            // No answer from the check: the form goes as it would without this script, unless a
            // material is already known not to go.
            if (Object.keys(fileProblems).length) showPrechecked(form, withFileProblems(null, fileProblems));
            else send();
          });
      });
    });
  }

  // 重新获取验证码: counted down while the code just sent is still on its way, or while the
  // limit of five codes in 10 minutes holds (the server refuses a code early all the same).
  function setUpResend(root) {
    root.querySelectorAll("button[data-resend-wait]").forEach(function (button) {
      var left = parseInt(button.getAttribute("data-resend-wait"), 10) || 0;
      if (left <= 0 || button.hasAttribute("data-counting")) return;
      button.setAttribute("data-counting", "");
      var label = button.textContent;
      var counting = button.getAttribute("data-counting-label") || "重新获取验证码";
      var note = button.parentNode.querySelector("[data-resend-note]");
      // The page's "约 N 秒" was true when it was drawn; the button now counts, so the note
      // points at it instead of holding a second, stale figure.
      if (note && note.hasAttribute("data-resend-live")) note.textContent = note.getAttribute("data-resend-live");
      function tick() {
        if (left <= 0) {
          button.disabled = false;
          button.textContent = label;
          if (note) note.textContent = button.hasAttribute("data-counting-label") ? "现在可以重新发送验证码。" : "仍未收到？可以重新获取验证码。";
          return;
        }
        button.disabled = true;
        // A long wait (the 5-in-10-minutes limit) in minutes, rounded up as the server says it.
        button.textContent = counting + "（" + (left > 60 ? Math.ceil(left / 60) + " 分钟" : left + " 秒") + "）";
        left -= 1;
        setTimeout(tick, 1000);
      }
      tick();
    });
  }

  // 复制查询密码: into the phone's clipboard, to paste into a note or a message to oneself.
  // Without this script (or where copying is refused) the password is selected with one tap.
  function setUpCopy(root) {
    root.querySelectorAll("button[data-copy]").forEach(function (button) {
      var source = document.getElementById(button.getAttribute("data-copy"));
      var note = button.parentNode.querySelector("[data-copy-note]");
      if (!source) return;
      button.hidden = false;
      function say(text) { if (note) note.textContent = text; }
      function byHand() {
        var range = document.createRange();
        range.selectNodeContents(source);
        var selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
        var done = false;
        try { done = document.execCommand("copy"); } catch (error) { done = false; }
        say(done ? COPIED : "没有复制成功：密码已选中，请长按后选择“复制”，或截图保存。");
      }
      button.addEventListener("click", function () {
        var text = source.textContent.trim();
        if (navigator.clipboard && navigator.clipboard.writeText) {
          navigator.clipboard.writeText(text).then(function () { say(COPIED); }, byHand);
        } else {
          byHand();
        }
      });
    });
  }
  var COPIED = "已复制。可以粘贴到手机备忘录或发给自己保存；也请抄写或截图，以防丢失。";

  function setUp(root) {
    setUpCopy(root);
    setUpResend(root);
    setUpCamera(root);
    setUpMigrant(root);
    setUpPrecheck(root);
  }

  // A page sent back with errors: the first field in error takes the focus (a screen reader
  // reads its label and reason), or else the error box; a static role="alert" alone is often
  // not read when the page loads.
  function focusFirstError() {
    var field = document.querySelector("form [aria-invalid=true]");
    var box = document.querySelector(".w-page .w-alert.error");
    var target = field || box;
    if (!target) return;
    if (!field) box.setAttribute("tabindex", "-1");
    target.focus({ preventScroll: true });
    target.scrollIntoView({ block: "center" });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setUp(document);
    focusFirstError();
  });
  // The self-check answer arrives through htmx: bring it into view on a small screen.
  document.addEventListener("htmx:afterSwap", function () {
    var result = document.getElementById("check-result") || document.querySelector("#check-area .w-alert");
    if (result) {
      result.scrollIntoView({ behavior: "smooth", block: "start" });
      var field = document.querySelector("#check-area [aria-invalid=true]");
      if (field) {
        field.focus({ preventScroll: true });
      } else {
        result.setAttribute("tabindex", "-1"); // a <p> or <section> takes the focus only so
        result.focus({ preventScroll: true });
      }
    }
  });
})();
