/* 审核决定：先在页面上用中文提示未选决定、退回修改或不予奖励未填意见，再对不予奖励确认；
   服务器同样校验。The form is novalidate: the browser's own bubbles speak its language, not ours. */
(function () {
  "use strict";

  function chosen(form) {
    var radio = form.querySelector('input[name="decision"]:checked');
    return radio ? radio.value : "";
  }

  function problem(form) {
    var decision = chosen(form);
    var opinion = form.querySelector('textarea[name="opinion"]');
    if (!decision) { return { text: "请先选择通过、退回修改或不予奖励。", field: form.querySelector('input[name="decision"]:not([disabled])') }; }
    if ((decision === "return" || decision === "reject") && opinion && !opinion.value.trim()) {
      return { text: (decision === "return" ? "退回修改" : "不予奖励") + "时请填写审核意见，意见将告知申请人。", field: opinion };
    }
    var again = form.querySelector('input[name="materials"]:checked:not(:disabled)');
    if (again && decision !== "return") {
      return { text: "只有退回修改时才能要求重新上传材料；通过或不予奖励时请不要勾选。", field: again };
    }
    return null;
  }

  var say = window.staffForms.sayProblem;  // staff-forms.js, loaded first on every staff page

  // 需重新上传 belongs to 退回修改 alone: with another decision (or none yet) its boxes are
  // disabled, so they are neither sent nor in the keyboard's way (the server refuses them anyway).
  function syncAgain(form) {
    var set = form.querySelector("fieldset.again-choices");
    if (set) { set.disabled = chosen(form) !== "return"; }
  }
  document.querySelectorAll("[data-decision-form]").forEach(syncAgain);

  function recheck(event) {
    var form = event.target.closest("[data-decision-form]");
    if (form && event.target.name === "decision") { syncAgain(form); }
    if (form && form.querySelector("[data-decision-problem]")) { say(form, problem(form)); }
  }
  document.addEventListener("change", recheck);
  document.addEventListener("input", recheck);

  document.addEventListener("submit", function (event) {
    var form = event.target.closest("[data-decision-form]");
    if (!form) { return; }
    var found = problem(form);
    say(form, found);
    if (found) {
      event.preventDefault();
      return;
    }
    if (chosen(form) === "reject" && !window.confirm("“不予奖励”将终结该申请，申请人不能再次申请" + (form.dataset.year ? form.dataset.year + "年度" : "本年度") + "奖励。确定吗？")) {
      event.preventDefault();
    }
  });
})();
