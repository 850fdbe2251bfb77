/* 材料查看器：在本页打开身份证、证书、银行卡材料；放大缩小、旋转90°、上一份/下一份，
   键盘 ← → ↑ ↓ + − R 0 Esc；打开时页面其余部分不可操作（inert），很长的扫描件按宽度铺满、从顶部看起。PDF 在查看器内的框架中打开。不依赖任何外部脚本。
   每份材料只取一次（依次取，不并发），缩略图和查看器共用内存中的副本：
   材料不落浏览器缓存（no-store），每次取用都记入审计日志。 */
(function () {
  "use strict";

  var ZOOMS = [0.25, 0.5, 0.75, 1, 1.25, 1.5, 2, 3, 4, 6];
  /* Fitted whole, a scan this many times smaller than when it fills the window's other side is
     too long to read (a phone photo in portrait on a wide screen is about 2 times). */
  var LONG = 4;

  function Viewer(root, links) {
    this.root = root;
    this.links = links;
    this.index = 0;
    this.zoom = 1; // relative to "fit the window"
    this.rotation = 0;
    this.title = root.querySelector("#viewer-title");
    this.pos = root.querySelector("[data-viewer-pos]");
    this.zoomLabel = root.querySelector("[data-viewer-zoom]");
    this.stage = root.querySelector("[data-viewer-stage]");
    this.canvas = root.querySelector("[data-viewer-canvas]");
    this.img = root.querySelector("[data-viewer-img]");
    this.frame = root.querySelector("[data-viewer-frame]");
    this.openLink = root.querySelector('[data-viewer="open"]');
    this.returnFocus = null;
    var self = this;
    this.img.addEventListener("load", function () { self.layout(); });
    root.addEventListener("click", function (event) {
      var button = event.target.closest("[data-viewer]");
      if (button && button.getAttribute("data-viewer") !== "open") {
        event.preventDefault();
        self.command(button.getAttribute("data-viewer"));
      } else if (event.target === self.stage || event.target === self.canvas) {
        /* a click beside the image does nothing: closing by accident loses the place */
      }
    });
    document.addEventListener("keydown", function (event) { self.key(event); });
    window.addEventListener("resize", function () { if (!self.root.hidden) { self.layout(); } });
    this.dragging(this.stage);
  }

  Viewer.prototype.isPdf = function () {
    return this.links[this.index].getAttribute("data-type") === "application/pdf";
  };

  /* Everything but the viewer is inert while it is open: a screen reader's cursor and the
     Tab key stay inside the dialog (aria-modal alone does not keep them there). */
  Viewer.prototype.setBackground = function (inert) {
    var root = this.root;
    Array.prototype.forEach.call(document.body.children, function (element) {
      if (element === root || element.tagName === "SCRIPT") { return; }
      if (inert) { element.setAttribute("inert", ""); } else { element.removeAttribute("inert"); }
    });
  };

  Viewer.prototype.open = function (index) {
    this.returnFocus = document.activeElement;
    this.setBackground(true);
    this.root.hidden = false;
    document.body.classList.add("viewer-open");
    this.show(index);
    this.root.querySelector('[data-viewer="close"]').focus();
  };

  Viewer.prototype.close = function () {
    this.root.hidden = true;
    this.setBackground(false);
    document.body.classList.remove("viewer-open");
    this.frame.removeAttribute("src");
    if (this.returnFocus) { this.returnFocus.focus(); }
  };

  Viewer.prototype.show = function (index) {
    var count = this.links.length;
    this.index = (index + count) % count;
    this.zoom = 1;
    this.rotation = 0;
    this.fresh = true;
    var link = this.links[this.index];
    var url = link.getAttribute("data-blob") || link.getAttribute("href");
    this.title.textContent = link.getAttribute("data-label");
    this.pos.textContent = "（" + (this.index + 1) + " / " + count + "）";
    this.openLink.setAttribute("href", link.getAttribute("href"));
    var pdf = this.isPdf();
    this.root.classList.toggle("is-pdf", pdf);
    this.root.querySelectorAll("[data-viewer-help]").forEach(function (help) {
      help.hidden = help.getAttribute("data-viewer-help") !== (pdf ? "pdf" : "image");
    });
    this.root.querySelectorAll('[data-viewer="zoom-in"],[data-viewer="zoom-out"],[data-viewer="rotate"],[data-viewer="fit"]').forEach(function (button) {
      button.disabled = pdf;
    });
    this.root.querySelectorAll('[data-viewer="prev"],[data-viewer="next"]').forEach(function (button) {
      button.disabled = count < 2;
    });
    if (pdf) {
      this.canvas.hidden = true;
      this.img.removeAttribute("src");
      this.frame.hidden = false;
      this.frame.setAttribute("src", url);
      this.zoomLabel.textContent = "—";
    } else {
      this.frame.hidden = true;
      this.frame.removeAttribute("src");
      this.canvas.hidden = false;
      this.img.alt = link.getAttribute("data-label");
      if (this.img.getAttribute("src") !== url) {
        this.img.setAttribute("src", url);
      }
      this.layout();
    }
  };

  /* The canvas takes the size of the rotated, scaled image so that the stage scrolls over it. */
  Viewer.prototype.layout = function () {
    var w = this.img.naturalWidth;
    var h = this.img.naturalHeight;
    if (!w || !h) { return; }
    var stage = this.stage;
    /* Keep the point in the middle of the window where it was while zooming or turning. */
    var fresh = this.fresh;
    var cx = !fresh && stage.scrollWidth > stage.clientWidth ? (stage.scrollLeft + stage.clientWidth / 2) / stage.scrollWidth : 0.5;
    var cy = !fresh && stage.scrollHeight > stage.clientHeight ? (stage.scrollTop + stage.clientHeight / 2) / stage.scrollHeight : 0.5;
    this.fresh = false;
    var turned = this.rotation % 180 !== 0;
    var boxW = turned ? h : w;
    var boxH = turned ? w : h;
    var across = Math.min((stage.clientWidth - 32) / boxW, 1);
    var down = Math.min((stage.clientHeight - 32) / boxH, 1);
    var fit = Math.min(across, down);
    /* A very long scan (a receipt, pages stitched into one picture) fitted whole would be a sliver
       nobody can read: it fills the other way instead and scrolls from its beginning. */
    var isLong = Math.max(across, down) > LONG * fit;
    if (isLong) {
      fit = Math.max(across, down);
      if (fresh) { cx = 0; cy = 0; }
    }
    var scale = Math.max(fit, 0.02) * this.zoom;
    this.canvas.style.width = Math.round(boxW * scale) + "px";
    this.canvas.style.height = Math.round(boxH * scale) + "px";
    this.img.style.width = Math.round(w * scale) + "px";
    this.img.style.height = Math.round(h * scale) + "px";
    this.img.style.transform = "translate(-50%, -50%) rotate(" + this.rotation + "deg)";
    stage.scrollLeft = Math.max(0, cx * stage.scrollWidth - stage.clientWidth / 2);
    stage.scrollTop = Math.max(0, cy * stage.scrollHeight - stage.clientHeight / 2);
    this.zoomLabel.textContent = Math.round(scale * 100) + "%";
    this.root.setAttribute("data-rotation", String(this.rotation));
    this.root.setAttribute("data-zoom", String(this.zoom));
  };

  Viewer.prototype.step = function (direction) {
    var at = ZOOMS.indexOf(this.zoom);
    if (at < 0) { at = ZOOMS.indexOf(1); }
    at = Math.min(Math.max(at + direction, 0), ZOOMS.length - 1);
    this.zoom = ZOOMS[at];
    this.layout();
  };

  Viewer.prototype.command = function (name) {
    if (name === "close") { this.close(); return; }
    if (name === "prev") { this.show(this.index - 1); return; }
    if (name === "next") { this.show(this.index + 1); return; }
    if (this.isPdf()) { return; }
    if (name === "zoom-in") { this.step(1); }
    if (name === "zoom-out") { this.step(-1); }
    if (name === "rotate") { this.rotation = (this.rotation + 90) % 360; this.layout(); }
    if (name === "fit") { this.zoom = 1; this.rotation = 0; this.layout(); }
  };

  Viewer.prototype.key = function (event) {
    if (this.root.hidden || event.altKey || event.ctrlKey || event.metaKey) { return; }
    var map = { Escape: "close", ArrowLeft: "prev", ArrowRight: "next", "+": "zoom-in", "=": "zoom-in", "-": "zoom-out", r: "rotate", R: "rotate", "0": "fit" };
    var name = map[event.key];
    var scroll = { ArrowUp: -0.15, ArrowDown: 0.15, PageUp: -0.9, PageDown: 0.9 }[event.key];
    if (scroll && !this.isPdf()) { /* an enlarged or long scan moves under the keyboard too */
      event.preventDefault();
      this.stage.scrollTop += scroll * this.stage.clientHeight;
    } else if (name) {
      event.preventDefault();
      this.command(name);
    } else if (event.key === "Tab") {
      this.trapFocus(event);
    }
  };

  Viewer.prototype.trapFocus = function (event) {
    var items = Array.prototype.filter.call(this.root.querySelectorAll("button, a[href]"), function (el) { return !el.disabled; });
    if (!items.length) { return; }
    var first = items[0];
    var last = items[items.length - 1];
    if (event.shiftKey && document.activeElement === first) { event.preventDefault(); last.focus(); }
    else if (!event.shiftKey && document.activeElement === last) { event.preventDefault(); first.focus(); }
  };

  /* Drag with the mouse to move over an enlarged image. */
  Viewer.prototype.dragging = function (stage) {
    var start = null;
    stage.addEventListener("mousedown", function (event) {
      if (event.button !== 0) { return; }
      start = { x: event.clientX, y: event.clientY, left: stage.scrollLeft, top: stage.scrollTop };
      stage.classList.add("dragging");
      event.preventDefault();
    });
    window.addEventListener("mousemove", function (event) {
      if (!start) { return; }
      stage.scrollLeft = start.left - (event.clientX - start.x);
      stage.scrollTop = start.top - (event.clientY - start.y);
    });
    window.addEventListener("mouseup", function () {
      start = null;
      stage.classList.remove("dragging");
    });
  };

  /* Fetch the materials one after another into blob: URLs for the thumbnails and the viewer. */
  function preload(links) {
    var chain = Promise.resolve();
    links.forEach(function (link) {
      chain = chain.then(function () {
        return fetch(link.getAttribute("href"), { credentials: "same-origin", cache: "no-store" })
          .then(function (response) {
            if (!response.ok) { throw new Error(String(response.status)); }
            return response.blob();
          })
          .then(function (blob) {
            var url = URL.createObjectURL(blob);
            link.setAttribute("data-blob", url);
            var thumb = link.querySelector("img[data-thumb]");
            if (thumb) { thumb.src = url; }
          })
          .catch(function () {
            link.classList.add("failed");
            var box = link.querySelector(".thumb");
            if (box) { box.setAttribute("data-loading-text", "未能加载，点击重试"); }
          });
      });
    });
    window.addEventListener("pagehide", function () {
      links.forEach(function (link) {
        var url = link.getAttribute("data-blob");
        if (url) { URL.revokeObjectURL(url); }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var root = document.getElementById("viewer");
    var links = Array.prototype.slice.call(document.querySelectorAll("[data-viewer-item]"));
    if (!root || !links.length) { return; }
    document.body.appendChild(root); /* a child of the body, so that the rest can be made inert */
    preload(links);
    var viewer = new Viewer(root, links);
    links.forEach(function (link, index) {
      link.addEventListener("click", function (event) {
        if (event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) { return; }
        event.preventDefault();
        viewer.open(index);
      });
    });
  });
})();
