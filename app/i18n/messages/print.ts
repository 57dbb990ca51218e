// Interface strings for controlled print copies.
const en: Record<string, string> = {
  "print.tab": "Print",
  "print.title": "Print {number}",
  "print.button": "Print or save as PDF",
  "print.hint": "Use your browser's print command (Ctrl+P / ⌘P) to print this copy or save it as a PDF.",
  "print.back": "Back to the document",
  "print.uncontrolled": "Uncontrolled copy when printed — check the portal for the current version",
  "print.printedBy": "Printed by {name} ({username}) on {when}",
  "print.version": "Version {version}",
  "print.effective": "Effective {date}",
  "print.superseded": "SUPERSEDED",
  "print.supersededNote": "SUPERSEDED — this is v{version}; the current version is v{current}. Do not work from this copy.",
  "print.retired": "RETIRED",
  "print.restricted": "Restricted — issued to {name}",
  "print.page": "Page",
  "print.chooseVersion": "Version to print",
  "print.show": "Show",
};

const zh: Record<string, string> = {
  "print.tab": "打印",
  "print.title": "打印 {number}",
  "print.button": "打印或另存为 PDF",
  "print.hint": "使用浏览器的打印命令（Ctrl+P / ⌘P）打印本副本或另存为 PDF。",
  "print.back": "返回文档",
  "print.uncontrolled": "打印件为非受控副本——请以门户中的现行版本为准",
  "print.printedBy": "由 {name}（{username}）于 {when} 打印",
  "print.version": "版本 {version}",
  "print.effective": "生效日期 {date}",
  "print.superseded": "已替代 SUPERSEDED",
  "print.supersededNote": "已替代 SUPERSEDED — 本件为 v{version}，现行版本为 v{current}。请勿依据本副本工作。",
  "print.retired": "已作废",
  "print.restricted": "受限文档——发放给 {name}",
  "print.page": "页",
  "print.chooseVersion": "选择打印版本",
  "print.show": "显示",
};

export default { en, "zh-CN": zh };
