/* 奖励核发：作废前确认；生成批次只提交一次；下载发放文件后刷新页面（首次下载即报送银行，批次状态随之改变）。
   没有脚本时表单照常提交：文件照常下载，刷新页面即可看到新状态。 */
(function () {
  "use strict";

  function saveBlob(blob, filename) {
    var url = URL.createObjectURL(blob);
    var link = document.createElement("a");
    link.href = url;
    link.download = filename;
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
  }

  function filenameOf(response, fallback) {
    var header = response.headers.get("Content-Disposition") || "";
    var star = /filename\*=UTF-8''([^;]+)/i.exec(header);
    if (star) {
      try { return decodeURIComponent(star[1]); } catch (e) { /* the plain name below */ }
    }
    var plain = /filename="([^"]+)"/i.exec(header);
    return plain ? plain[1] : fallback;
  }

  function download(form, submitter) {
    var data = new FormData(form);
    if (submitter && submitter.name) { data.set(submitter.name, submitter.value); }
    var buttons = form.querySelectorAll("button");
    var note = form.querySelector("[data-download-note]");
    buttons.forEach(function (button) { button.disabled = true; });
    if (note) { note.hidden = false; }
    fetch(form.action, { method: "POST", body: data, credentials: "same-origin" })
      .then(function (response) {
        var disposition = response.headers.get("Content-Disposition") || "";
        if (!response.ok || disposition.indexOf("attachment") !== 0) {
          // A refusal is a page: show it as the plain form would.
          return response.text().then(function (html) {
            document.open();
            document.write(html);
            document.close();
          });
        }
        return response.blob().then(function (blob) {
          saveBlob(blob, filenameOf(response, "payment-file"));
          if (form.hasAttribute("data-first")) {
            setTimeout(function () { window.location.reload(); }, 600);
          } else {
            buttons.forEach(function (button) { button.disabled = false; });
            if (note) { note.hidden = true; }
          }
        });
      })
      .catch(function () {
        buttons.forEach(function (button) { button.disabled = false; });
        if (note) { note.textContent = "下载未完成，请检查网络后重试。"; }
      });
  }

  // data-confirm and data-once: staff-forms.js (every staff page), which listens first.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented) { return; }  // not confirmed, or already sent
    if (form.hasAttribute("data-download") && window.fetch && window.URL && URL.createObjectURL) {
      event.preventDefault();
      download(form, event.submitter);
    }
  });
})();
