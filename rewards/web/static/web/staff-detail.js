/* 审核决定：退回修改、不予奖励时意见必填；不予奖励前确认。服务器同样校验。 */
(function () {
  "use strict";

  function chosen(form) {
    var radio = form.querySelector('input[name="decision"]:checked');
    return radio ? radio.value : "";
  }

  function sync(form) {
    var opinion = form.querySelector('textarea[name="opinion"]');
    if (opinion) { opinion.required = chosen(form) === "return" || chosen(form) === "reject"; }
  }

  document.addEventListener("change", function (event) {
    var form = event.target.closest("[data-decision-form]");
    if (form) { sync(form); }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target.closest("[data-decision-form]");
    if (!form) { return; }
    sync(form);
    if (chosen(form) === "reject" && !window.confirm("“不予奖励”将终结该申请，申请人本年度不能再次申请。确定吗？")) {
      event.preventDefault();
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-decision-form]").forEach(sync);
  });
})();
