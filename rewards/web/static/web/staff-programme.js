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

  // What the server would refuse is asked for first: a decision, and the opinion of 不同意.
  // The form is novalidate (the browser's own bubbles speak its language, not ours), so the
  // check is here, and it runs before the confirmation dialog: this listener is in the capture
  // phase, staff-forms.js's confirmation in the bubbling one, and a form stopped here is not asked.
  function problem(form) {
    var radio = form.querySelector("input[name=decision]:checked");
    var opinion = form.querySelector("textarea[name=opinion]");
    if (!radio) { return { text: "请先选择备案同意或不同意。", field: form.querySelector("input[name=decision]") }; }
    if (radio.value === "reject" && opinion && !opinion.value.trim()) {
      return { text: "不同意时请填写经济部意见，意见将告知申报的工会。", field: opinion };
    }
    return null;
  }

  var say = window.staffForms.sayProblem;  // staff-forms.js, loaded first on every staff page

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("[data-decision]")) { return; }
    var found = problem(form);
    say(form, found);
    if (found) { event.preventDefault(); }
  }, true);

  function recheck(event) {
    var form = event.target.closest && event.target.closest("[data-decision]");
    if (form && form.querySelector("[data-decision-problem]")) { say(form, problem(form)); }
  }
  document.addEventListener("change", recheck);
  document.addEventListener("input", recheck);

  // data-confirm and data-once: staff-forms.js (every staff page).
})();
