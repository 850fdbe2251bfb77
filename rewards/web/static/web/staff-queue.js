/* 审核列表：全选、已选数量、批量通过前确认（列出所选申请的编号和姓名）。页面由 htmx 局部刷新，故用事件委托。
   回到本页（浏览器“后退”，含页面缓存）时清除所有勾选：列表可能已经变化，浏览器按位置恢复的勾选会选中审核人员没有看过的申请。 */
(function () {
  "use strict";

  // Applications named one by one in the confirmation; more are counted.
  var LISTED = 50;

  function boxes(form) {
    return Array.prototype.slice.call(form.querySelectorAll('input[name="application_no"]'));
  }

  function chosenBoxes(form) {
    return boxes(form).filter(function (box) { return box.checked; });
  }

  function refresh(form) {
    var all = boxes(form);
    var chosen = chosenBoxes(form).length;
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

  function clear(form) {
    form.querySelectorAll('input[type="checkbox"]').forEach(function (box) {
      box.checked = false;
      box.indeterminate = false;
    });
    refresh(form);
  }

  // 确定通过以下 3 份申请：2020000063 张三、2020000064 李四、2020000065 王五？
  function confirmation(chosen) {
    var named = chosen.slice(0, LISTED).map(function (box) {
      var name = box.getAttribute("data-name") || "";
      return name ? box.value + " " + name : box.value;
    });
    var text = "确定通过以下 " + chosen.length + " 份申请：\n" + named.join("、");
    if (chosen.length > LISTED) {
      text += "，以及本页勾选的其余 " + (chosen.length - LISTED) + " 份";
    }
    return text + "？";
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
    var chosen = chosenBoxes(form);
    if (!chosen.length || !window.confirm(confirmation(chosen))) {
      event.preventDefault();
    }
  });

  function init() {
    document.querySelectorAll("[data-bulk-form]").forEach(refresh);
  }

  function clearAll() {
    document.querySelectorAll("[data-bulk-form]").forEach(clear);
  }

  document.addEventListener("DOMContentLoaded", init);
  document.addEventListener("htmx:afterSettle", init);
  // Shown again: a new load (a browser restoring form state), the page cache (event.persisted),
  // or htmx's own history: every page shown starts with nothing ticked.
  window.addEventListener("pageshow", clearAll);
  document.addEventListener("htmx:historyRestore", clearAll);
})();
