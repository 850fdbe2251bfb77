/* Worker pages: the camera button on phones, the 户籍地/来杭年限 fields shown only for
   外来务工人员, and the self-check answer brought into view. The previews of the chosen materials
   and large photos made smaller are uploads.js's (loaded with it). Every page works without it. */
(function () {
  "use strict";

  // On phones, a second button opens the camera directly; its photo goes into the real field,
  // whose "change" event lets uploads.js make it smaller and show it.
  function setUpCamera(root) {
    var coarse = window.matchMedia && window.matchMedia("(pointer: coarse)").matches;
    if (!coarse || typeof DataTransfer === "undefined") return;
    root.querySelectorAll("input[data-capture-for]").forEach(function (camera) {
      var target = document.getElementById(camera.getAttribute("data-capture-for"));
      if (!target) return;
      camera.parentNode.hidden = false;
      camera.addEventListener("change", function () {
        if (!camera.files || !camera.files[0]) return;
        var transfer = new DataTransfer();
        transfer.items.add(camera.files[0]);
        target.files = transfer.files;
        target.dispatchEvent(new Event("change", { bubbles: true }));
      });
    });
  }

  function setUpMigrant(root) {
    var extra = root.querySelector("[data-migrant-extra]");
    var radios = root.querySelectorAll("input[name=is_migrant]");
    if (!extra || !radios.length) return;
    function update() {
      var checked = root.querySelector("input[name=is_migrant]:checked");
      extra.hidden = !(checked && checked.value === "是");
    }
    radios.forEach(function (radio) { radio.addEventListener("change", update); });
    update();
  }

  function setUp(root) {
    setUpCamera(root);
    setUpMigrant(root);
  }

  document.addEventListener("DOMContentLoaded", function () { setUp(document); });
  // The self-check answer arrives through htmx: bring it into view on a small screen.
  document.addEventListener("htmx:afterSwap", function () {
    var result = document.getElementById("check-result") || document.querySelector("#check-area .w-alert");
    if (result) {
      result.scrollIntoView({ behavior: "smooth", block: "start" });
      if (result.focus) result.focus({ preventScroll: true });
    }
  });
})();
