/* 非通用性职业、培训计划：选择“不同意”时意见为必填，所选决定先确认。年度和筛选（data-autosubmit）
   与表单只提交一次见 staff-forms.js。没有脚本时页面照常可用，服务器同样检查意见。 */
(function () {
  "use strict";

  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field.matches && field.matches("[data-decision] input[name=decision]")) {
      var opinion = field.form.querySelector("textarea[name=opinion]");
      if (opinion) { opinion.required = field.value === "reject"; }
      confirmChoice(field);
    }
  });

  // A decision is made once and cannot be changed: the chosen one is named and confirmed
  // (staff-forms.js asks with the form's data-confirm when it is sent).
  function confirmChoice(radio) {
    var words = radio.form.getAttribute("data-confirm-" + radio.value);
    if (words) { radio.form.setAttribute("data-confirm", words); }
  }
  document.querySelectorAll("[data-decision] input[name=decision]:checked").forEach(confirmChoice);

  // data-confirm and data-once: staff-forms.js (every staff page).
})();
