/* 年度活动设置：附件1任务分解表的合计随输入更新、↑↓调整顺序、“并入”提示、加入工会；
   短信字数；复制前确认。没有脚本时表单照常提交：序号、调整方式和“列入工会”各栏都由服务器处理。 */
(function () {
  "use strict";

  function int(value) {
    var text = String(value || "").trim();
    return /^\d+$/.test(text) ? parseInt(text, 10) : 0;
  }

  /* A count as the pages show it, thousands grouped (8,000): the server's |thousands. */
  function thousands(n) {
    return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  }

  function setupUnits(form) {
    var body = form.querySelector("[data-units]");
    var count = form.querySelector("[data-unit-count]");
    var total = document.querySelector("[data-guidance-total]");
    var totalCount = document.querySelector("[data-unit-total-count]");
    var template = document.getElementById("unit-row-template");

    function rows() { return Array.prototype.slice.call(body.querySelectorAll("tr[data-unit]")); }
    function action(row) { var select = row.querySelector("[data-action]"); return select ? select.value : "keep"; }

    function refresh() {
      var sum = 0, kept = 0, merged = {};
      rows().forEach(function (row, index) {
        var position = row.querySelector(".cmp-position");
        position.value = index + 1;
        position.readOnly = true;  // with the script, ↑↓ set the order
        var value = action(row);
        var guidance = int(row.querySelector("[data-guidance]").value);
        row.classList.toggle("is-leaving", value !== "keep");
        if (value === "keep") { kept += 1; }
        if (value !== "remove") { sum += guidance; }
        if (value.indexOf("into:") === 0) {
          var target = value.slice(5);
          merged[target] = merged[target] || [];
          merged[target].push({ name: row.querySelector("[data-name]").textContent, guidance: guidance });
        }
      });
      rows().forEach(function (row) {
        var note = row.querySelector("[data-merged]");
        var items = merged[row.getAttribute("data-org")] || [];
        var extra = items.reduce(function (n, item) { return n + item.guidance; }, 0);
        note.textContent = items.length
          ? "并入" + items.map(function (item) { return item.name; }).join("、") + "，保存后指导数为 " + thousands(int(row.querySelector("[data-guidance]").value) + extra)
          : "";
      });
      total.textContent = thousands(sum);
      if (totalCount) { totalCount.textContent = kept; }
    }

    body.addEventListener("input", refresh);
    body.addEventListener("change", refresh);
    body.addEventListener("click", function (event) {
      var button = event.target.closest("[data-move]");
      if (!button) { return; }
      var row = button.closest("tr");
      if (button.getAttribute("data-move") === "up" && row.previousElementSibling) {
        body.insertBefore(row, row.previousElementSibling);
      } else if (button.getAttribute("data-move") === "down" && row.nextElementSibling) {
        body.insertBefore(row.nextElementSibling, row);
      }
      button.focus();
      refresh();
    });
    form.querySelectorAll(".cmp-move").forEach(function (span) { span.hidden = false; });

    var add = form.querySelector("[data-add]");
    if (add && template) {
      add.hidden = false;
      add.addEventListener("click", function () {
        var select = document.getElementById("id_add_org");
        var nameInput = document.getElementById("id_add_name");
        var guidanceInput = document.getElementById("id_add_guidance");
        var orgId = select.value;
        var name = orgId ? select.options[select.selectedIndex].text : nameInput.value.trim();
        if (!name) { nameInput.focus(); return; }
        var index = int(count.value);
        var html = template.innerHTML.replace(/__i__/g, String(index));
        var holder = document.createElement("tbody");
        holder.innerHTML = html.trim();
        var row = holder.firstElementChild;
        row.setAttribute("data-org", orgId);
        row.querySelector("input[name$='-org']").value = orgId;
        row.querySelector("input[name$='-name']").value = orgId ? "" : name;
        row.querySelector("[data-name]").textContent = name;
        row.querySelector("[data-new-tag]").textContent = orgId ? "本次列入" : "新设，保存时建立";
        row.querySelector("[data-guidance]").value = int(guidanceInput.value);
        body.appendChild(row);
        count.value = index + 1;
        if (orgId) { select.remove(select.selectedIndex); }
        select.value = ""; nameInput.value = ""; guidanceInput.value = "0";
        row.querySelector("[data-guidance]").focus();
        refresh();
      });
      // Enter in the 列入工会 boxes means 加入表中: without this the browser submits the whole
      // table, which saves it and creates the new union at once.
      ["id_add_org", "id_add_name", "id_add_guidance"].forEach(function (id) {
        var box = document.getElementById(id);
        if (!box) { return; }
        box.addEventListener("keydown", function (event) {
          if (event.key !== "Enter" || event.isComposing) { return; }
          event.preventDefault();
          add.click();
        });
      });
    }
    refresh();
  }

  // The length as sent: the signature added when missing, each {parameter} replaced by a typical
  // value (the server counts the same way: rewards/campaigns/setup/sms.py typical_length).
  function setupSms(form) {
    var samples = {};
    try { samples = JSON.parse(form.getAttribute("data-sms-samples") || "{}"); } catch (e) { samples = {}; }
    var signature = form.getAttribute("data-sms-signature") || "";
    form.querySelectorAll("[data-sms]").forEach(function (area) {
      var help = area.parentNode;
      var counter = help.querySelector("[data-sms-count]");
      var parts = help.querySelector("[data-sms-parts]");
      area.addEventListener("input", function () {
        var text = area.value.trim().split(/\s+/).join(" ");
        if (text && text.indexOf(signature) !== 0) { text = signature + text; }
        text = text.replace(/\{(\w+)\}/g, function (match, name) { return samples.hasOwnProperty(name) ? samples[name] : match; });
        var length = Array.from(text).length;
        if (counter) { counter.textContent = length; }
        if (parts) { parts.textContent = length <= 70 ? 1 : Math.ceil(length / 67); }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var units = document.getElementById("units-form");
    if (units) { setupUnits(units); }
    var sms = document.querySelector(".cmp-sms-form");
    if (sms) { setupSms(sms); }
  });

  // data-confirm and data-once: staff-forms.js (every staff page).
})();
