/* 审核列表：全选、已选数量、批量通过前确认。页面由 htmx 局部刷新，故用事件委托。 */
(function () {
  "use strict";

  function boxes(form) {
    return Array.prototype.slice.call(form.querySelectorAll('input[name="application_no"]'));
  }

  function refresh(form) {
    var all = boxes(form);
    var chosen = all.filter(function (box) { return box.checked; }).length;
    var label = form.querySelector("[data-selected-count]");
    if (label) {
      label.textContent = chosen ? "已选 " + chosen + " 份" : "勾选本人审核环节的申请后可批量通过";
    }
    var master = form.querySelector("[data-select-all]");
    if (master) {
      master.checked = all.length > 0 && chosen === all.length;
      master.indeterminate = chosen > 0 && chosen < all.length;
    }
    var button = form.querySelector("[data-bulk-submit]");
    if (button) { button.disabled = chosen === 0; }
  }

  document.addEventListener("change", function (event) {
    var form = event.target.closest("[data-bulk-form]");
    if (!form) { return; }
    if (event.target.matches("[data-select-all]")) {
      boxes(form).forEach(function (box) { box.checked = event.target.checked; });
    }
    refresh(form);
  });

  document.addEventListener("submit", function (event) {
    var form = event.target.closest("[data-bulk-form]");
    if (!form) { return; }
    var chosen = boxes(form).filter(function (box) { return box.checked; }).length;
    if (!chosen || !window.confirm("确定通过所选的 " + chosen + " 份申请吗？")) {
      event.preventDefault();
    }
  });

  function init() {
    document.querySelectorAll("[data-bulk-form]").forEach(refresh);
  }
  document.addEventListener("DOMContentLoaded", init);
  document.addEventListener("htmx:afterSettle", init);
})();
