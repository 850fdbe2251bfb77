/* 非通用性职业、培训计划：选择年度或筛选后即刷新；表单只提交一次；选择“不同意”时意见为必填。
   没有脚本时页面照常可用：筛选有“查看”按钮，服务器同样检查意见。 */
(function () {
  "use strict";

  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field.matches && field.matches("[data-autosubmit]") && field.form) {
      field.form.requestSubmit ? field.form.requestSubmit() : field.form.submit();
    }
    if (field.matches && field.matches("[data-decision] input[name=decision]")) {
      var opinion = field.form.querySelector("textarea[name=opinion]");
      if (opinion) { opinion.required = field.value === "reject"; }
    }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.hasAttribute("data-confirm") && !window.confirm(form.getAttribute("data-confirm"))) {
      event.preventDefault();
      return;
    }
    if (!form.hasAttribute("data-once")) { return; }
    if (form.dataset.sent) { event.preventDefault(); return; }
    form.dataset.sent = "1";
    form.querySelectorAll("button[type=submit]").forEach(function (button) {
      setTimeout(function () { button.disabled = true; }, 0);
    });
  });
})();
