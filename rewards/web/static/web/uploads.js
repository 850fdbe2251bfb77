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

  var HEIC_ADVICE = "这是苹果手机的 HEIC 格式照片：请在“设置 › 相机 › 格式”中选择“兼容性最佳”后重拍，或对照片截屏后上传截图。";
  var WRONG_TYPE = "只接受 JPEG、PNG 图片或 PDF 文件。";
  // The brands of an ISO media file that is a HEIC/HEIF picture (bytes 8–11 after "ftyp").
  var HEIC_BRANDS = /^(heic|heix|heim|heis|hevc|hevx|mif1|msf1|avif)$/;

  function sizeText(bytes) {
    if (bytes === 0) return "0 字节";
    if (bytes >= 1024 * 1024) return (bytes / 1024 / 1024).toFixed(1) + " MB";
    return Math.max(1, Math.round(bytes / 1024)) + " KB";
  }

  function line(text, className) {
    var p = document.createElement("p");
    p.textContent = text;
    if (className) p.className = className;
    return p;
  }

  // A material that cannot go: said under its preview, and what the form says at the field
  // when 提交 is pressed (worker.js reads data-problem) instead of sending it to be refused.
  function problem(text, atField) {
    var p = line(text, "w-too-big");
    p.setAttribute("data-problem", atField || text);
    return p;
  }

  function looksHeic(file) {
    return /^image\/hei[cf]/.test(file.type) || /\.hei[cf]$/i.test(file.name);
  }

  // A phone's HEIC photo renamed .jpg (or sent on as one) says "image/jpeg" by its name: its
  // first bytes say what it is. Such a photo cannot be previewed and would be refused after the
  // whole form had been sent.
  function checkContent(input, file, box) {
    if (!/^image\//.test(file.type) || typeof FileReader === "undefined" || !file.slice) return;
    var reader = new FileReader();
    reader.onload = function () {
      if (!(input.files && input.files[0] === file)) return; // another file chosen meanwhile
      var bytes = new Uint8Array(reader.result);
      var text = String.fromCharCode.apply(null, Array.prototype.slice.call(bytes, 4, 12));
      if (text.slice(0, 4) !== "ftyp" || !HEIC_BRANDS.test(text.slice(4, 8))) return;
      var img = box.querySelector("img");
      if (img) img.parentNode.removeChild(img);
      if (!box.querySelector(".w-too-big")) box.appendChild(problem(WRONG_TYPE + HEIC_ADVICE));
    };
    reader.readAsArrayBuffer(file.slice(0, 12));
  }

  // The edit page's card of what is on file (worker/_on_file.html) says whether the file chosen
  // above replaces it when the form is sent.
  function markOnFile(input, file) {
    var card = document.getElementById("onfile-" + input.name);
    if (!card) return;
    var note = card.querySelector(".w-onfile-replace");
    if (file && !note) {
      note = document.createElement("p");
      note.className = "w-onfile-replace";
      card.appendChild(note);
    }
    if (file) {
      note.textContent = "提交后，这份材料将由上面新选择的文件替换。";
    } else if (note) {
      note.parentNode.removeChild(note);
    }
    card.classList.toggle("is-replaced", !!file);
  }

  function showPreview(input) {
    var box = document.getElementById("preview-" + input.id);
    if (!box) return;
    box.textContent = "";
    var file = input.files && input.files[0];
    markOnFile(input, file);
    if (!file) {
      box.appendChild(line(box.getAttribute("data-empty") || "尚未选择文件"));
      return;
    }
    var limit = parseInt((input.form && input.form.getAttribute("data-max-bytes")) || MAX_BYTES, 10);
    var okType = /^(image\/(jpeg|png)|application\/pdf)$/.test(file.type);
    if (file.type.indexOf("image/") === 0 && okType && file.size > 0) {
      var img = document.createElement("img");
      img.alt = "所选图片的预览";
      // Not shown by the phone's own browser: most likely not a JPEG or PNG inside, or damaged.
      img.onerror = function () {
        if (!img.parentNode) return;
        img.parentNode.replaceChild(line("无法预览这张图片：它可能不是 JPEG 或 PNG 照片，或文件已损坏。建议重新拍照，或截屏后选择截图。", "w-warn"), img);
      };
      var reader = new FileReader();
      reader.onload = function () { img.src = reader.result; };
      reader.readAsDataURL(file);
      box.appendChild(img);
    }
    var from = input.getAttribute("data-shrunk-from");
    box.appendChild(line((file.type === "application/pdf" ? "PDF 文件：" : "已选择：") + file.name + "（" + sizeText(file.size) +
      (from ? "，已从 " + sizeText(parseInt(from, 10)) + " 自动压缩" : "") + "）"));
    if (!okType) {
      box.appendChild(problem(WRONG_TYPE + "请重新选择。", WRONG_TYPE + (looksHeic(file) ? HEIC_ADVICE : "请重新选择。")));
    } else if (file.size === 0) {
      box.appendChild(problem("这个文件是空的（0 字节），可能没有复制完整：请重新拍照或重新选择。"));
    } else if (file.size > limit && file.type === "application/pdf") {
      // The page makes large photos smaller, not PDFs: a scan is what meets this limit.
      box.appendChild(problem("PDF 文件超过 5 MB，无法提交：请用较低的分辨率（如 200 dpi）重新扫描，或直接用手机拍照上传。",
        "PDF 文件超过 5 MB：请用较低的分辨率（如 200 dpi）重新扫描，或改为拍照上传。"));
    } else if (file.size > limit) {
      box.appendChild(problem("照片超过 5 MB，无法提交：请把手机的拍照分辨率调低后重新拍摄，或截屏后选择截图。",
        "照片超过 5 MB：请把手机的拍照分辨率调低后重新拍摄，或截屏后选择截图。"));
    } else {
      checkContent(input, file, box);
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
