/* File fields marked `input[type=file][data-preview]` (worker pages, the clerk's paper Annex 3
   entry): a preview of the chosen material, its size, a warning when it cannot be sent, and large
   photos made smaller before they are sent (docs/decisions.md 64). Every page works without it. */
(function () {
  "use strict";

  var MAX_BYTES = 5 * 1024 * 1024;
  // A phone's photo is often 4–12 MB: above SHRINK_OVER it is drawn again, its long side at most
  // MAX_EDGE pixels (an ID card or certificate stays legible), as JPEG, before it is sent. That
  // also leaves its EXIF (place, device) on the phone. The server checks and caps it all the same.
  var SHRINK_OVER = 2 * 1024 * 1024;
  var MAX_EDGE = 2560;
  var QUALITY = 0.85;
  var shrinking = 0;
  // With JavaScript the file fields get a Chinese button and a preview instead of the browser's own control.
  document.documentElement.classList.add("w-js");

  function sizeText(bytes) {
    if (bytes >= 1024 * 1024) return (bytes / 1024 / 1024).toFixed(1) + " MB";
    return Math.max(1, Math.round(bytes / 1024)) + " KB";
  }

  function line(text, className) {
    var p = document.createElement("p");
    p.textContent = text;
    if (className) p.className = className;
    return p;
  }

  function showPreview(input) {
    var box = document.getElementById("preview-" + input.id);
    if (!box) return;
    box.textContent = "";
    var file = input.files && input.files[0];
    if (!file) {
      box.appendChild(line(box.getAttribute("data-empty") || "尚未选择文件"));
      return;
    }
    var limit = parseInt((input.form && input.form.getAttribute("data-max-bytes")) || MAX_BYTES, 10);
    var okType = /^(image\/(jpeg|png)|application\/pdf)$/.test(file.type);
    if (file.type.indexOf("image/") === 0 && okType) {
      var img = document.createElement("img");
      img.alt = "所选图片的预览";
      var reader = new FileReader();
      reader.onload = function () { img.src = reader.result; };
      reader.readAsDataURL(file);
      box.appendChild(img);
    }
    var from = input.getAttribute("data-shrunk-from");
    box.appendChild(line((file.type === "application/pdf" ? "PDF 文件：" : "已选择：") + file.name + "（" + sizeText(file.size) +
      (from ? "，已从 " + sizeText(parseInt(from, 10)) + " 自动压缩" : "") + "）"));
    if (!okType) {
      box.appendChild(line("只接受 JPEG、PNG 图片或 PDF 文件，请重新选择。", "w-too-big"));
    } else if (file.size > limit) {
      box.appendChild(line("文件超过 5 MB，无法提交：请压缩图片、降低拍照分辨率或重新拍摄后再选择。", "w-too-big"));
    }
  }

  function canShrink() {
    return typeof DataTransfer !== "undefined" && typeof URL !== "undefined" && !!URL.createObjectURL &&
      !!document.createElement("canvas").toBlob;
  }

  // The photo drawn again on a canvas (the browser applies its EXIF orientation), as a JPEG blob.
  function shrink(file, done) {
    var url = URL.createObjectURL(file);
    var img = new Image();
    img.onload = function () {
      URL.revokeObjectURL(url);
      var scale = Math.min(1, MAX_EDGE / Math.max(img.naturalWidth, img.naturalHeight));
      var canvas = document.createElement("canvas");
      canvas.width = Math.max(1, Math.round(img.naturalWidth * scale));
      canvas.height = Math.max(1, Math.round(img.naturalHeight * scale));
      var context = canvas.getContext("2d");
      context.fillStyle = "#fff"; // a transparent PNG on white, not black
      context.fillRect(0, 0, canvas.width, canvas.height);
      context.drawImage(img, 0, 0, canvas.width, canvas.height);
      canvas.toBlob(function (blob) { done(blob); }, "image/jpeg", QUALITY);
    };
    img.onerror = function () { URL.revokeObjectURL(url); done(null); };
    img.src = url;
  }

  function setBusy(form, busy) {
    if (!form) return;
    form.querySelectorAll("button[type=submit], button:not([type])").forEach(function (button) { button.disabled = busy; });
  }

  // A file was chosen (or photographed): large photos are made smaller first, then previewed.
  function chosen(input) {
    input.removeAttribute("data-shrunk-from");
    var file = input.files && input.files[0];
    if (!file || !/^image\/(jpeg|png)$/.test(file.type) || file.size <= SHRINK_OVER || !canShrink()) {
      showPreview(input);
      return;
    }
    var box = document.getElementById("preview-" + input.id);
    if (box) {
      box.textContent = "";
      box.appendChild(line("正在压缩照片（" + sizeText(file.size) + "）…"));
    }
    shrinking += 1;
    setBusy(input.form, true);
    shrink(file, function (blob) {
      // Only if the field still holds this photo (not another one chosen meanwhile).
      if (blob && blob.size < file.size && input.files && input.files[0] === file) {
        var name = file.name.replace(/\.[^.]*$/, "") + ".jpg";
        var transfer = new DataTransfer();
        transfer.items.add(new File([blob], name, { type: "image/jpeg", lastModified: Date.now() }));
        input.files = transfer.files;
        input.setAttribute("data-shrunk-from", String(file.size));
      }
      shrinking -= 1;
      if (shrinking === 0) setBusy(input.form, false);
      showPreview(input);
    });
  }

  // Each field once, also those that htmx brings in later. A script that puts a file into a field
  // itself (worker.js, the camera button) fires the field's "change" event, as a choice would.
  function setUp(root) {
    root.querySelectorAll("input[type=file][data-preview]").forEach(function (input) {
      if (input.uploadsReady) return;
      input.uploadsReady = true;
      input.addEventListener("change", function () { chosen(input); });
      showPreview(input);
    });
  }

  document.addEventListener("DOMContentLoaded", function () { setUp(document); });
  document.addEventListener("htmx:afterSwap", function () { setUp(document); });
})();
