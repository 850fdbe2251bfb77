/* 接口文档：Swagger UI 自身界面文字的中文。
 *
 * Swagger UI has no language setting. This script, loaded after it, rewrites the words of its
 * own interface (buttons, headings, labels, tooltips) where they are shown, and nothing else:
 * only whole texts from the lists below, never inside our own descriptions, paths, examples,
 * schemas or answers. It rewrites text in place (React keeps its nodes) and again whenever
 * Swagger UI redraws. Swagger UI's files are served as the sidecar package ships them.
 */
(function () {
  "use strict";

  var TEXTS = {
    "Authorize": "授权",
    "Authorized": "已授权",
    "Available authorizations": "可用的授权方式",
    "Logout": "退出",
    "Close": "关闭",
    "Value:": "令牌：",
    "Try it out": "试一试",
    "Cancel": "取消",
    "Execute": "执行",
    "Clear": "清除",
    "Parameters": "参数",
    "No parameters": "无参数",
    "Name": "名称",
    "Description": "说明",
    "Request body": "请求体",
    "required": "必填",
    "Example Value": "示例值",
    "Edit Value": "编辑",
    "Schema": "结构",
    "Schemas": "数据结构",
    "Examples": "示例",
    "Responses": "响应",
    "Code": "状态码",
    "Links": "链接",
    "No links": "无",
    "Media type": "媒体类型",
    "Controls": "设定",
    "header.": "请求头。",
    "Curl": "cURL 命令",
    "Request URL": "请求地址",
    "Server response": "服务器响应",
    "Details": "详情",
    "Response body": "响应体",
    "Response headers": "响应头",
    "Headers:": "响应头：",
    "Download": "下载",
    "Undocumented": "文档未列出",
    "Type": "类型",
    "Servers": "服务器",
    "Errors": "错误",
    "Hide": "隐藏",
    "Reset": "重置",
    "Send empty value": "发送空值",
    "Expand all": "全部展开",
    "Collapse all": "全部收起",
    "deprecated": "已停用",
    "Loading...": "加载中……",
    "Failed to load API definition.": "接口定义加载失败。",
    "Please correct the following validation errors and try again.": "请先改正以下问题，再执行。",
    "Filter by tag": "按分组筛选"
  };
  /* Where a parameter is sent, under its name: (path), (query) … */
  var PLACES = { "path": "路径", "query": "查询字符串", "header": "请求头", "cookie": "Cookie" };
  var PATTERNS = [
    [/^For '(.+)': Required field is not provided\.$/, "“$1”：必填，尚未填写。"],
    [/^Required field is not provided$/, "必填，尚未填写"]
  ];
  var ATTRIBUTES = ["title", "aria-label", "placeholder"];
  var ATTRIBUTE_TEXTS = {
    "Copy code to clipboard": "复制",
    "Copy cURL command to clipboard": "复制 cURL 命令",
    "Copy path to clipboard": "复制路径",
    "Collapse operation": "收起",
    "Expand operation": "展开",
    "Apply credentials": "使用此令牌",
    "Remove authorization": "退出授权",
    "authorization button locked": "已授权",
    "authorization button unlocked": "未授权",
    "Media Type": "媒体类型",
    "Request content type": "请求内容类型",
    "Required field is not provided": "必填，尚未填写",
    "auth-bearer-value": "令牌",
    "Filter by tag": "按分组筛选",
    "Send empty value": "发送空值"
  };
  /* Our own words and the data: never rewritten. */
  var OURS = "textarea, code, pre, .microlight, .markdown, .renderedMarkdown, .info, .model-box, " +
    ".opblock-summary-path, .opblock-summary-description, .opblock-tag";

  function said(text) {
    var key = text.trim();
    if (Object.prototype.hasOwnProperty.call(TEXTS, key)) {
      return TEXTS[key];
    }
    for (var index = 0; index < PATTERNS.length; index += 1) {
      if (PATTERNS[index][0].test(key)) {
        return key.replace(PATTERNS[index][0], PATTERNS[index][1]);
      }
    }
    return null;
  }

  function translateText(node) {
    var parent = node.parentElement;
    if (!parent || !/[A-Za-z]/.test(node.nodeValue)) {
      return;
    }
    var key = node.nodeValue.trim();
    var chinese = null;
    if (parent.closest(".parameter__in")) {
      chinese = Object.prototype.hasOwnProperty.call(PLACES, key) ? PLACES[key] : null;
    } else if (!parent.closest(OURS)) {
      chinese = said(key);
    }
    if (chinese !== null) {
      node.nodeValue = node.nodeValue.replace(key, chinese);
    }
  }

  function translateAttributes(element) {
    /* Only Swagger UI's own phrases are listed: they are rewritten wherever they are. */
    ATTRIBUTES.forEach(function (name) {
      var value = element.getAttribute(name);
      if (value && Object.prototype.hasOwnProperty.call(ATTRIBUTE_TEXTS, value)) {
        element.setAttribute(name, ATTRIBUTE_TEXTS[value]);
      }
    });
  }

  function translateTree(root) {
    if (root.nodeType === Node.TEXT_NODE) {
      translateText(root);
      return;
    }
    if (root.nodeType !== Node.ELEMENT_NODE) {
      return;
    }
    translateAttributes(root);
    var texts = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    while (texts.nextNode()) {
      translateText(texts.currentNode);
    }
    root.querySelectorAll("[title], [aria-label], [placeholder]").forEach(translateAttributes);
  }

  var root = document.getElementById("swagger-ui");
  document.documentElement.lang = "zh-CN";
  if (!root) {
    return;
  }
  translateTree(root);
  new MutationObserver(function (changes) {
    changes.forEach(function (change) {
      if (change.type === "characterData") {
        translateText(change.target);
      } else if (change.type === "attributes") {
        translateAttributes(change.target);
      } else {
        change.addedNodes.forEach(translateTree);
      }
    });
  }).observe(root, { childList: true, subtree: true, characterData: true, attributes: true, attributeFilter: ATTRIBUTES });
})();
