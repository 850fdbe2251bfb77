/* 工作进度：用 Apache ECharts（本系统提供的静态文件，不使用外部网站）画图；数据与页面上的表格相同。
   没有 ECharts 时隐藏图表区域、展开数据表，并显示说明。 */
(function () {
  "use strict";

  var COLORS = { guidance: "#c5d0dc", submitted: "#3f6fb5", approved: "#2f8f57", paid: "#e07b22", other: "#8e6bbf" };
  var FONT = '"Noto Sans CJK SC","Noto Sans SC","PingFang SC","Microsoft YaHei",sans-serif';

  /* A count as the page's tables show it, thousands grouped (8,000): the server's |thousands. */
  function thousands(n) {
    return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  }
  function valueLabel(item) { return thousands(item.value); }

  function data() {
    var node = document.getElementById("progress-charts");
    return node ? JSON.parse(node.textContent) : null;
  }

  function withoutCharts() {
    var note = document.getElementById("charts-missing");
    if (note) { note.hidden = false; }
    document.querySelectorAll(".prog-chart").forEach(function (el) { el.hidden = true; });
    document.querySelectorAll("[data-chart-only]").forEach(function (el) { el.hidden = true; });
    document.querySelectorAll(".prog-details").forEach(function (el) { el.open = true; });
  }

  function base(extra) {
    var option = {
      animation: false,
      textStyle: { fontFamily: FONT, fontSize: 13, color: "#1f2933" },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, renderMode: "richText", valueFormatter: thousands },
      legend: { top: 0, itemGap: 18, textStyle: { fontSize: 13 } },
      grid: { left: 56, right: 24, top: 40, bottom: 40, containLabel: true }
    };
    Object.keys(extra).forEach(function (key) { option[key] = extra[key]; });
    return option;
  }

  function bar(name, values, color, extra) {
    var series = { name: name, type: "bar", data: values, itemStyle: { color: color }, barMaxWidth: 36 };
    Object.keys(extra || {}).forEach(function (key) { series[key] = extra[key]; });
    return series;
  }

  var TOP_LABEL = { show: true, position: "top", fontSize: 12, color: "#1f2933", formatter: valueLabel };
  var RIGHT_LABEL = { show: true, position: "right", fontSize: 12, color: "#1f2933", formatter: valueLabel };

  /* A bullet chart, one row per union: the guidance number as a grey bar, and over it, from the
     longest down, submitted, approved and paid (each contains the next); the completion at the end. */
  function unionsChart(d, el) {
    var rows = d.labels.length;
    el.style.height = (rows * 30 + 90) + "px";
    var width = rows > 1 ? 16 : 26;
    function layer(name, values, color, extra) {
      return bar(name, values, color, Object.assign({ barWidth: width, barGap: "-100%", z: 2 }, extra || {}));
    }
    var guidance = d.guidance.map(function (value, i) {
      var longer = d.submitted[i] > value;
      return { value: value, label: { show: !longer } };
    });
    var submitted = d.submitted.map(function (value, i) {
      return { value: value, label: { show: value > d.guidance[i] } };
    });
    var completion = {
      show: true, position: "right", fontSize: 12, color: "#1f2933",
      formatter: function (item) {
        var i = item.dataIndex;
        var whole = d.guidance[i];
        var text = thousands(d.submitted[i]) + " / " + thousands(whole);
        return whole > 0 ? text + "（" + (d.submitted[i] * 100 / whole).toFixed(1) + "%）" : text;
      }
    };
    return base({
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, renderMode: "richText", valueFormatter: thousands },
      grid: { left: 16, right: 120, top: 36, bottom: 8, containLabel: true },
      xAxis: { type: "value", minInterval: 1, position: "top" },
      yAxis: { type: "category", data: d.labels, inverse: true, axisTick: { show: false }, axisLabel: { fontSize: 13 } },
      series: [
        layer("指导数", guidance, COLORS.guidance, { z: 1, label: completion }),
        layer("已申报", submitted, COLORS.submitted, { label: completion }),
        layer("审核通过", d.approved, COLORS.approved),
        layer("已发放", d.paid, COLORS.paid)
      ]
    });
  }

  function groupedChart(d) {
    return base({
      grid: { left: 16, right: 16, top: 44, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: d.labels, axisLabel: { fontSize: 13 } },
      yAxis: { type: "value", name: "人", minInterval: 1 },
      series: [
        bar("已申报", d.submitted, COLORS.submitted, { label: TOP_LABEL }),
        bar("审核通过", d.approved, COLORS.approved, { label: TOP_LABEL }),
        bar("已发放", d.paid, COLORS.paid, { label: TOP_LABEL })
      ]
    });
  }

  function pieChart(d, title) {
    var colors = [COLORS.submitted, COLORS.paid, COLORS.approved, COLORS.other];
    return base({
      tooltip: {
        trigger: "item", renderMode: "richText",
        formatter: function (item) { return item.name + "：" + thousands(item.value) + " 人（" + item.percent + "%）"; }
      },
      legend: { top: 0 },
      series: [{
        name: title,
        type: "pie",
        radius: ["38%", "64%"],
        center: ["50%", "56%"],
        avoidLabelOverlap: true,
        label: {
          formatter: function (item) { return item.name + "\n" + thousands(item.value) + " 人（" + item.percent + "%）"; },
          fontSize: 13, lineHeight: 18
        },
        data: d.labels.map(function (label, i) {
          return { name: label, value: d.submitted[i], itemStyle: { color: colors[i % colors.length] } };
        })
      }]
    });
  }

  function occupationChart(d) {
    return base({
      grid: { left: 16, right: 48, top: 40, bottom: 8, containLabel: true },
      xAxis: { type: "value", name: "人", minInterval: 1 },
      yAxis: { type: "category", data: d.labels, inverse: true, axisLabel: { fontSize: 13, width: 150, overflow: "truncate" } },
      series: [
        bar("已申报", d.submitted, COLORS.submitted, { label: RIGHT_LABEL, barMaxWidth: 16 }),
        bar("审核通过", d.approved, COLORS.approved, { barMaxWidth: 16 })
      ]
    });
  }

  /* Which Mondays the axis labels: as many as fit (a label with its year takes about 84 px),
     and always the first week of a new year, its neighbours left out so that it has room. */
  function weekInterval(d, el) {
    var marks = d.year_starts || [];
    if (!marks.length) { return "auto"; }
    return function (index) {
      var room = Math.max(el.clientWidth - 120, 100);
      var step = Math.max(1, Math.ceil(d.ticks.length * 84 / room));
      for (var i = 0; i < marks.length; i++) {
        if (index === marks[i]) { return true; }
        if (Math.abs(index - marks[i]) < step) { return false; }
      }
      return index % step === 0;
    };
  }

  function weekChart(d, el) {
    // MM-DD, or with the year on every label when the weeks run into the next year (progress.week_labels).
    var labels = d.ticks;
    return base({
      tooltip: {
        trigger: "axis",
        renderMode: "richText",
        formatter: function (items) {
          var index = items[0].dataIndex;
          return d.labels[index] + "\n本周提交：" + thousands(d.submitted[index]) + " 人\n累计：" + thousands(d.cumulative[index]) + " 人";
        }
      },
      grid: { left: 16, right: 16, top: 44, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: labels, name: "周（起始日）", nameLocation: "middle", nameGap: 28, axisLabel: { fontSize: 12, interval: weekInterval(d, el) } },
      yAxis: [
        { type: "value", name: "本周提交（人）", minInterval: 1, nameTextStyle: { align: "left" } },
        { type: "value", name: "累计（人）", minInterval: 1, splitLine: { show: false }, nameTextStyle: { align: "right" } }
      ],
      series: [
        bar("本周提交", d.submitted, COLORS.submitted, { barMaxWidth: 22 }),
        { name: "累计", type: "line", yAxisIndex: 1, data: d.cumulative, smooth: false, symbolSize: 5, itemStyle: { color: COLORS.paid }, lineStyle: { width: 2 } }
      ]
    });
  }

  function draw() {
    var d = data();
    if (!d) { return; }
    if (typeof window.echarts === "undefined") { withoutCharts(); return; }
    var charts = [];
    function make(id, build) {
      var el = document.getElementById(id);
      if (!el) { return; }
      var option = build(el);  // may size the element first
      var chart = window.echarts.init(el, null, { renderer: "canvas" });
      chart.setOption(option);
      charts.push(chart);
    }
    make("chart-unions", function (el) { return unionsChart(d.unions, el); });
    make("chart-level", function () { return groupedChart(d.levels); });
    make("chart-channel", function () { return pieChart(d.channels, "申报方式"); });
    make("chart-migrant", function () { return pieChart(d.migrants, "职工类别"); });
    make("chart-occupation", function () { return occupationChart(d.occupations); });
    make("chart-week", function (el) { return weekChart(d.weeks, el); });
    document.documentElement.setAttribute("data-charts", String(charts.length));
    window.addEventListener("resize", function () { charts.forEach(function (chart) { chart.resize(); }); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
