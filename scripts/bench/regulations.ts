/**
 * A corpus shaped like real regulations and handbooks, written by us and
 * generated from a seed (the same documents on every run):
 *
 * - Chinese regulations of 20–250 KB: a title (…法, …条例, …管理办法), chapters
 *   (第一章 总则 …), numbered articles (第一条 …) with enumerated items
 *   (（一）…；), tables, and the legal vocabulary every such text repeats
 *   (应当, 依照本法, 县级以上人民政府, 责令改正, 罚款 …).
 * - English handbooks: numbered headings, paragraphs, bullet lists, tables.
 *
 * Every document is about one topic, whose terms fill its articles and
 * headings; other topics' terms appear in it only as passing mentions. The
 * relevance set (tests/fixtures/relevance.json, "realistic") judges queries
 * against these topics, and the search benchmark uses the same texts.
 */
import type { SearchDoc } from "~/search/engine.server";

export interface Topic {
  id: string;
  language: "zh" | "en";
  /** Title patterns; the first document of a topic takes the first. */
  titles: string[];
  /** Chapter (or section) headings after the opening chapter. */
  chapters: string[];
  /** The topic's own terms, repeated through its articles. */
  terms: string[];
  /** Clauses that use the terms ({t} is replaced by one of them). */
  clauses: string[];
}

/** Chinese regulation topics. Terms chosen so that each topic has its own vocabulary and some share words. */
export const ZH_TOPICS: Topic[] = [
  {
    id: "personal-info",
    language: "zh",
    titles: ["个人信息保护法", "个人信息处理活动管理规定", "员工个人信息保护制度"],
    chapters: ["个人信息处理规则", "个人信息跨境提供的规则", "个人在个人信息处理活动中的权利", "个人信息处理者的义务", "履行个人信息保护职责的部门"],
    terms: ["个人信息", "个人信息处理者", "敏感个人信息", "向境外提供", "境外接收方", "单独同意", "去标识化", "匿名化", "个人信息保护影响评估"],
    clauses: ["处理{t}应当遵循合法、正当、必要和诚信原则", "因业务需要确需{t}的，应当通过安全评估", "{t}应当取得个人的单独同意", "不得过度处理{t}", "{t}的，应当告知个人处理目的和处理方式"],
  },
  {
    id: "labour",
    language: "zh",
    titles: ["劳动法", "工作时间和劳动报酬管理办法", "员工考勤与休假制度"],
    chapters: ["劳动合同", "工作时间和休息休假", "劳动报酬", "劳动安全卫生", "女职工和未成年工特殊保护"],
    terms: ["延长工作时间", "劳动报酬", "工资", "休息休假", "用人单位", "劳动者", "标准工时", "法定休假日", "工资报酬"],
    clauses: ["用人单位安排劳动者{t}的，应当支付不低于工资百分之一百五十的工资报酬", "{t}应当以货币形式按月支付给劳动者本人", "{t}每日不得超过三小时", "用人单位不得克扣或者无故拖欠劳动者的{t}", "{t}由用人单位与工会协商确定"],
  },
  {
    id: "trade-secrets",
    language: "zh",
    titles: ["反不正当竞争法", "商业秘密保护管理办法", "公司商业秘密保密制度"],
    chapters: ["不正当竞争行为", "商业秘密保护", "对涉嫌不正当竞争行为的调查", "法律责任"],
    terms: ["商业秘密", "权利人", "保密措施", "技术信息", "经营信息", "不正当手段", "侵犯商业秘密", "保密义务", "竞业限制"],
    clauses: ["经营者不得以不正当手段获取权利人的{t}", "{t}是指不为公众所知悉、具有商业价值并经权利人采取相应保密措施的信息", "违反{t}的，由监督检查部门责令停止违法行为", "员工应当遵守{t}，不得披露、使用或者允许他人使用", "{t}的认定由权利人提供初步证据"],
  },
  {
    id: "banking",
    language: "zh",
    titles: ["商业银行法", "银行业监督管理条例", "存款业务管理办法"],
    chapters: ["商业银行的设立和组织机构", "对存款人的保护", "贷款和其他业务的基本规则", "财务会计", "监督管理"],
    terms: ["商业银行", "存款人", "贷款", "资本充足率", "银行业监督管理机构", "储蓄存款", "借款人", "同业拆借", "流动性风险"],
    clauses: ["{t}应当遵循平等、自愿、公平和诚实信用的原则", "{t}应当按照中国人民银行规定的存款利率的上下限确定存款利率", "{t}应当对借款人的借款用途、偿还能力进行严格审查", "{t}应当保证存款本金和利息的支付", "{t}应当建立健全内部控制制度"],
  },
  {
    id: "accounting-archives",
    language: "zh",
    titles: ["会计档案管理办法", "会计档案保管和销毁规定", "财务凭证归档制度"],
    chapters: ["会计档案的归档", "会计档案的保管", "会计档案的鉴定和销毁", "会计档案的交接"],
    terms: ["会计档案", "保管期限", "会计凭证", "会计账簿", "财务会计报告", "档案管理机构", "电子会计档案", "销毁清册", "移交清册"],
    clauses: ["单位应当加强{t}管理工作，建立和完善会计档案的收集、整理、保管、利用和鉴定销毁等管理制度", "{t}的保管期限从会计年度终了后的第一天算起", "{t}应当由单位会计管理机构按照归档范围和归档要求整理立卷", "保管期满的{t}可以销毁", "{t}的移交应当编制移交清册"],
  },
  {
    id: "work-safety",
    language: "zh",
    titles: ["安全生产法", "生产安全事故应急条例", "车间安全生产管理制度"],
    chapters: ["生产经营单位的安全生产保障", "从业人员的安全生产权利义务", "安全生产的监督管理", "生产安全事故的应急救援与调查处理"],
    terms: ["安全生产", "生产经营单位", "安全生产责任制", "应急救援", "生产安全事故", "隐患排查", "安全生产教育和培训", "特种作业人员", "劳动防护用品"],
    clauses: ["{t}应当建立健全全员安全生产责任制", "{t}应当具备法律规定的安全生产条件", "{t}应当如实记录事故隐患排查治理情况", "{t}必须按照国家有关规定经专门的安全作业培训", "发生{t}后，单位负责人应当立即组织抢救"],
  },
  {
    id: "bidding",
    language: "zh",
    titles: ["招标投标法", "招标投标法实施条例", "公司采购招标管理办法"],
    chapters: ["招标", "投标", "开标、评标和中标", "投诉与处理"],
    terms: ["招标人", "投标人", "招标文件", "评标委员会", "中标人", "投标保证金", "公开招标", "邀请招标", "资格预审"],
    clauses: ["{t}应当根据招标项目的特点和需要编制招标文件", "{t}不得以不合理的条件限制或者排斥潜在投标人", "{t}应当在招标文件要求提交投标文件的截止时间前提交", "{t}由招标人的代表和有关技术、经济等方面的专家组成", "{t}应当自确定中标人之日起十五日内报告"],
  },
  {
    id: "data-security",
    language: "zh",
    titles: ["数据安全法", "网络数据安全管理条例", "数据分类分级管理制度"],
    chapters: ["数据安全与发展", "数据安全制度", "数据安全保护义务", "政务数据安全与开放"],
    terms: ["数据安全", "重要数据", "数据处理者", "数据分类分级", "数据出境", "风险评估", "数据安全事件", "核心数据", "数据交易"],
    clauses: ["开展数据处理活动应当依照法律、法规的规定，建立健全全流程{t}管理制度", "{t}的处理者应当按照规定对其数据处理活动定期开展风险评估", "国家建立{t}制度，对数据实行分类分级保护", "发生{t}时，应当立即采取处置措施", "{t}应当履行数据安全保护义务", "向境外提供{t}的，应当申报数据出境安全评估"],
  },
  {
    id: "fire",
    language: "zh",
    titles: ["消防法", "机关团体企业事业单位消防安全管理规定", "办公场所消防安全制度"],
    chapters: ["火灾预防", "消防组织", "灭火救援", "监督检查"],
    terms: ["消防安全", "火灾隐患", "消防设施", "疏散通道", "安全出口", "灭火器材", "消防安全责任人", "防火检查", "消防演练"],
    clauses: ["单位应当落实{t}责任制，制定本单位的消防安全制度", "任何单位、个人不得损坏、挪用或者擅自拆除、停用{t}", "{t}应当保持畅通", "单位应当每月至少组织一次{t}", "{t}应当按照国家标准配置"],
  },
  {
    id: "environment",
    language: "zh",
    titles: ["环境保护法", "排污许可管理条例", "固体废物污染环境防治制度"],
    chapters: ["监督管理", "保护和改善环境", "防治污染和其他公害", "信息公开和公众参与"],
    terms: ["环境保护", "排污许可", "污染物排放", "环境影响评价", "重点排污单位", "生态环境主管部门", "固体废物", "按日连续处罚", "环境监测"],
    clauses: ["排放污染物的企业事业单位，应当建立{t}责任制度", "{t}应当按照国家有关规定和监测规范安装使用监测设备", "未依法进行{t}的建设项目，不得开工建设", "{t}超过排放标准的，责令改正", "{t}应当如实向社会公开其主要污染物的名称"],
  },
  {
    id: "contracts",
    language: "zh",
    titles: ["合同管理办法", "民法典合同编通则适用规定", "公司合同审批管理制度"],
    chapters: ["合同的订立", "合同的效力", "合同的履行", "违约责任", "合同的审批与归档"],
    terms: ["合同", "要约", "承诺", "违约责任", "合同相对人", "格式条款", "定金", "合同审批", "解除合同"],
    clauses: ["当事人订立{t}，可以采用书面形式、口头形式或者其他形式", "{t}的提供方应当遵循公平原则确定当事人之间的权利和义务", "当事人一方不履行合同义务的，应当承担{t}", "{t}应当经法务部门审核后报分管负责人审批", "{t}自成立时生效"],
  },
  {
    id: "anti-corruption",
    language: "zh",
    titles: ["反商业贿赂管理规定", "廉洁从业若干规定", "员工礼品和招待管理制度"],
    chapters: ["禁止行为", "礼品和招待", "利益冲突", "举报和调查", "责任追究"],
    terms: ["商业贿赂", "回扣", "礼品", "招待", "利益冲突", "廉洁从业", "举报", "财物", "不正当利益"],
    clauses: ["员工不得索取或者收受业务相关方的{t}", "{t}价值超过规定标准的，应当登记并上交", "发现{t}行为的，任何人均可向纪检部门举报", "存在{t}的，应当主动申报并回避", "经营者不得采用{t}手段销售或者购买商品"],
  },
];

export const EN_TOPICS: Topic[] = [
  {
    id: "en-anti-bribery",
    language: "en",
    titles: ["Anti-Bribery and Corruption Handbook", "Gifts and Hospitality Guide"],
    chapters: ["Scope", "Gifts and hospitality", "Facilitation payments", "Third parties", "Reporting concerns"],
    terms: ["anti-bribery", "bribery", "facilitation payment", "gifts register", "hospitality", "public official", "due diligence", "kickback"],
    clauses: ["Employees must not offer or accept any {t} in connection with company business", "Every {t} above the threshold is recorded in the register within five working days", "Managers review each {t} before approval", "Any suspected {t} is reported to the compliance team", "The {t} rules apply to agents and contractors as well"],
  },
  {
    id: "en-infosec",
    language: "en",
    titles: ["Information Security Handbook", "Acceptable Use of IT Systems"],
    chapters: ["Access control", "Passwords and multi-factor authentication", "Incident response", "Encryption", "Remote working"],
    terms: ["access control", "multi-factor authentication", "password", "security incident", "encryption", "least privilege", "phishing", "vulnerability"],
    clauses: ["The {t} standard applies to every system that holds company data", "Staff report every suspected {t} to the service desk at once", "Administrators review {t} rights every quarter", "A {t} exception needs the written approval of the security officer", "Training on {t} is part of onboarding"],
  },
  {
    id: "en-travel",
    language: "en",
    titles: ["Travel and Expenses Handbook", "Business Travel Guide"],
    chapters: ["Booking travel", "Per diem allowances", "Expense claims", "Receipts", "Corporate cards"],
    terms: ["expense claim", "per diem", "receipt", "corporate card", "business travel", "reimbursement", "mileage", "travel booking"],
    clauses: ["Each {t} is submitted within thirty days of the trip", "The {t} rates are listed in the table below", "A {t} without the original document is not reimbursed", "Managers approve every {t} before payment", "Personal use of the {t} is not allowed"],
  },
  {
    id: "en-hours",
    language: "en",
    titles: ["Working Hours and Overtime Handbook", "Leave and Attendance Guide"],
    chapters: ["Standard hours", "Overtime", "Annual leave", "Sick leave", "Time recording"],
    terms: ["overtime", "working hours", "annual leave", "time sheet", "rest period", "sick leave", "shift allowance", "public holiday"],
    clauses: ["Any {t} must be approved in advance by the line manager", "The {t} is recorded in the attendance system every week", "Employees receive compensation for {t} as set out below", "The {t} entitlement grows with length of service", "A {t} of at least eleven hours separates two shifts"],
  },
  {
    id: "en-records",
    language: "en",
    titles: ["Records Retention Handbook", "Document Control Procedure"],
    chapters: ["Retention periods", "Archiving", "Disposal", "Legal hold", "Version control"],
    terms: ["retention period", "archive", "disposal", "legal hold", "records register", "version control", "controlled copy", "superseded version"],
    clauses: ["Each record carries a {t} set by the records register", "The {t} is reviewed by the document controller every year", "No record under {t} may be destroyed", "A {t} is marked clearly on every page", "The {t} procedure is audited annually"],
  },
  {
    id: "en-safety",
    language: "en",
    titles: ["Health and Safety Handbook", "Fire Safety and Evacuation Guide"],
    chapters: ["Risk assessment", "Fire safety", "First aid", "Personal protective equipment", "Accident reporting"],
    terms: ["risk assessment", "fire drill", "evacuation", "first aid", "protective equipment", "accident report", "fire warden", "emergency exit"],
    clauses: ["A {t} is carried out before any new task starts", "Each site holds a {t} at least twice a year", "The {t} is kept clear at all times", "Supervisors check the {t} at the start of each shift", "Every {t} is filed within twenty-four hours"],
  },
];

const ZH_COMMON = [
  "应当", "依照本法", "有关规定", "县级以上人民政府", "有关主管部门", "监督管理", "责令改正", "给予警告", "没收违法所得", "处一万元以上十万元以下的罚款",
  "情节严重的", "依法追究刑事责任", "构成犯罪的", "国务院有关部门", "本办法", "单位负责人", "制定具体办法", "按照国家规定", "组织实施", "定期检查",
];
const ZH_LEADS = ["为了", "根据", "国家", "各级人民政府", "任何单位和个人", "有关部门", "本单位", "县级以上地方人民政府"];
const ZH_FILL = [
  "加强管理，保障合法权益，维护社会经济秩序", "建立健全相关制度，明确责任分工", "依法履行职责，接受社会监督", "对违反本法规定的行为进行查处",
  "做好统计、分析和报告工作", "保障所需经费", "开展宣传教育，提高全社会的意识", "鼓励和支持有关科学技术研究", "将执行情况纳入考核",
  "制定年度工作计划并组织落实", "配备相应的专业人员", "如实记录并妥善保存有关资料", "在规定期限内作出处理决定", "向社会公布处理结果",
];
const ZH_NUMERALS = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];

/** 1 → 一, 12 → 十二, 105 → 一百零五 (as article and chapter numbers are written). */
export function chineseNumber(n: number): string {
  if (n < 10) return ZH_NUMERALS[n];
  if (n < 20) return `十${n % 10 ? ZH_NUMERALS[n % 10] : ""}`;
  if (n < 100) return `${ZH_NUMERALS[Math.floor(n / 10)]}十${n % 10 ? ZH_NUMERALS[n % 10] : ""}`;
  const h = Math.floor(n / 100);
  const rest = n % 100;
  if (!rest) return `${ZH_NUMERALS[h]}百`;
  if (rest < 10) return `${ZH_NUMERALS[h]}百零${ZH_NUMERALS[rest]}`;
  return `${ZH_NUMERALS[h]}百${rest < 20 ? "一" : ""}${chineseNumber(rest)}`;
}

const EN_FILL = [
  "This section explains what the company expects and who is responsible", "Line managers make sure their teams know these rules",
  "Questions are sent to the owner of this handbook", "Exceptions are rare and always recorded", "The rules apply to all employees, contractors and temporary staff",
  "Breaches may lead to disciplinary action", "The department head confirms compliance every year", "Records are kept for the period set out in the retention schedule",
  "Training is provided when a person joins and every two years after that", "The table below summarises the limits and the approvers",
];

/** A small deterministic random generator. */
export function seeded(seed: number) {
  let s = seed >>> 0 || 1;
  return () => {
    // xorshift32
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
}

function pick<T>(r: () => number, list: readonly T[]): T {
  return list[Math.floor(r() * list.length)];
}

export interface RegulationDoc extends SearchDoc {
  topic: string;
  language: "zh" | "en";
  markdown: string;
}

export interface CorpusShape {
  documents: number;
  /** Size of each document, drawn log-uniformly between these (KB of UTF-8 markdown). */
  minKB: number;
  maxKB: number;
  /** Share of English handbooks (the rest are Chinese regulations). */
  englishShare: number;
  seed: number;
}

export const RELEVANCE_SHAPE: CorpusShape = { documents: 96, minKB: 20, maxKB: 250, englishShare: 0.25, seed: 2026 };

const CATEGORIES = ["APR", "EXE", "MON", "INI", "ACC"];
const DEPARTMENTS = ["ops", "qa", "hr", "fin", "it", "proc"];

function zhArticle(r: () => number, n: number, topic: Topic, others: Topic[], out: { md: string[]; text: string[] }) {
  const parts: string[] = [];
  const clauses = 1 + Math.floor(r() * 3);
  for (let c = 0; c < clauses; c++) {
    const x = r();
    if (x < 0.55) parts.push(pick(r, topic.clauses).replace("{t}", pick(r, topic.terms)));
    else if (x < 0.85) parts.push(`${pick(r, ZH_LEADS)}${pick(r, ZH_COMMON)}，${pick(r, ZH_FILL)}`);
    else parts.push(`${pick(r, topic.terms)}${pick(r, ZH_COMMON)}${pick(r, ZH_FILL)}`);
  }
  // A passing mention of another topic's term, now and then.
  if (r() < 0.08) {
    const other = pick(r, others);
    parts.push(`涉及${pick(r, other.terms)}的，${pick(r, ZH_COMMON)}依照有关法律、行政法规的规定执行`);
  }
  let body = `第${chineseNumber(n)}条　${parts.join("；")}。`;
  if (r() < 0.25) {
    const items = 3 + Math.floor(r() * 5);
    const lines: string[] = [];
    for (let i = 1; i <= items; i++) lines.push(`（${chineseNumber(i)}）${r() < 0.6 ? pick(r, topic.clauses).replace("{t}", pick(r, topic.terms)) : pick(r, ZH_FILL)}${i === items ? "。" : "；"}`);
    body = body.replace(/。$/, "：") + "\n\n" + lines.join("\n\n");
  }
  out.md.push(body);
  out.text.push(body);
}

function zhTable(r: () => number, topic: Topic, out: { md: string[]; text: string[] }) {
  const rows = 3 + Math.floor(r() * 5);
  const md = ["| 事项 | 适用情形 | 期限或标准 | 责任部门 |", "|---|---|---|---|"];
  const text: string[] = [];
  for (let i = 0; i < rows; i++) {
    const cells = [pick(r, topic.terms), pick(r, ZH_FILL), `${1 + Math.floor(r() * 30)}${pick(r, ["日", "年", "个月", "万元"])}`, pick(r, ["财务部", "法务部", "人力资源部", "安全管理部", "信息技术部", "办公室"])];
    md.push(`| ${cells.join(" | ")} |`);
    text.push(cells.join(" \t "));
  }
  out.md.push(md.join("\n"));
  out.text.push(["事项 \t 适用情形 \t 期限或标准 \t 责任部门", ...text].join("\n\n"));
}

function zhDocument(r: () => number, topic: Topic, others: Topic[], title: string, targetBytes: number) {
  const out = { md: [] as string[], text: [] as string[] };
  const headings: string[] = [title];
  out.md.push(`# ${title}`);
  out.text.push(title);
  const chapters = ["总则", ...topic.chapters, "法律责任", "附则"];
  let article = 1;
  let bytes = 0;
  const perChapter = Math.max(2, Math.round(targetBytes / 420 / chapters.length));
  // Long documents repeat the chapter list (as 编 of a code) until they are long enough.
  for (let round = 0; bytes < targetBytes && round < 20; round++) {
    for (let c = 0; c < chapters.length && bytes < targetBytes; c++) {
      const heading = `第${chineseNumber(round * chapters.length + c + 1)}章　${chapters[c]}`;
      headings.push(heading);
      out.md.push(`## ${heading}`);
      out.text.push(heading);
      if (c === 0 && round === 0) {
        const first = `第一条　为了规范${topic.terms[0]}活动，保护当事人的合法权益，根据有关法律，制定本${title.endsWith("法") ? "法" : "办法"}。`;
        out.md.push(first);
        out.text.push(first);
        article++;
      }
      const n = perChapter + Math.floor(r() * 3);
      const from = out.md.length - 1;
      for (let k = 0; k < n; k++) zhArticle(r, article++, topic, others, out);
      if (r() < 0.3) zhTable(r, topic, out);
      for (let m = from; m < out.md.length; m++) bytes += Buffer.byteLength(out.md[m]) + 2;
    }
  }
  return { markdown: out.md.join("\n\n") + "\n", text: out.text.join("\n\n"), headings: headings.join("\n") };
}

function enDocument(r: () => number, topic: Topic, others: Topic[], title: string, targetBytes: number) {
  const out: string[] = [`# ${title}`];
  const text: string[] = [title];
  const headings: string[] = [title];
  let bytes = 0;
  let section = 1;
  for (let round = 0; bytes < targetBytes && round < 40; round++) {
    for (const chapter of topic.chapters) {
      if (bytes >= targetBytes) break;
      const from = out.length;
      const heading = `${section}. ${chapter}`;
      section++;
      headings.push(heading);
      out.push(`## ${heading}`);
      text.push(heading);
      const paragraphs = 2 + Math.floor(r() * 4);
      for (let p = 0; p < paragraphs; p++) {
        const sentences: string[] = [];
        const n = 2 + Math.floor(r() * 4);
        for (let s = 0; s < n; s++) sentences.push(r() < 0.55 ? pick(r, topic.clauses).replace("{t}", pick(r, topic.terms)) : pick(r, EN_FILL));
        if (r() < 0.08) sentences.push(`Questions about ${pick(r, pick(r, others).terms)} are answered in the related handbook`);
        const para = sentences.join(". ") + ".";
        out.push(para);
        text.push(para);
      }
      if (r() < 0.4) {
        const items = [1, 2, 3].map(() => pick(r, topic.clauses).replace("{t}", pick(r, topic.terms)));
        out.push(items.map((i) => `- ${i}`).join("\n"));
        text.push(items.join("\n\n"));
      }
      if (r() < 0.2) {
        const rows = [0, 1, 2].map(() => [pick(r, topic.terms), `${1 + Math.floor(r() * 500)} CNY`, pick(r, ["Line manager", "Department head", "Finance", "Compliance"])]);
        out.push(["| Item | Limit | Approver |", "|---|---|---|", ...rows.map((row) => `| ${row.join(" | ")} |`)].join("\n"));
        text.push(["Item \t Limit \t Approver", ...rows.map((row) => row.join(" \t "))].join("\n\n"));
      }
      for (let m = from; m < out.length; m++) bytes += Buffer.byteLength(out[m]) + 2;
    }
  }
  return { markdown: out.join("\n\n") + "\n", text: text.join("\n\n"), headings: headings.join("\n") };
}

/**
 * The documents of a corpus of this shape, one at a time (so that a large
 * corpus need not be held twice). Document i is the same for a given shape
 * whatever the number of documents asked for.
 */
export function* regulationDocuments(shape: CorpusShape): Generator<RegulationDoc> {
  const english = Math.round(shape.documents * shape.englishShare);
  const chinese = shape.documents - english;
  const logMin = Math.log(shape.minKB);
  const logMax = Math.log(shape.maxKB);
  for (let i = 0; i < shape.documents; i++) {
    const r = seeded(shape.seed * 100_003 + i * 7919 + 17);
    r();
    const isEnglish = i >= chinese;
    const topics = isEnglish ? EN_TOPICS : ZH_TOPICS;
    const k = isEnglish ? i - chinese : i;
    const topic = topics[k % topics.length];
    const round = Math.floor(k / topics.length);
    const others = topics.filter((t) => t !== topic);
    const baseTitle = topic.titles[round % topic.titles.length];
    const title = round < topic.titles.length ? baseTitle : isEnglish ? `${baseTitle} (edition ${round + 1})` : `${baseTitle}（第${chineseNumber(round + 1)}版）`;
    const targetBytes = Math.round(Math.exp(logMin + r() * (logMax - logMin)) * 1024);
    const built = isEnglish ? enDocument(r, topic, others, title, targetBytes) : zhDocument(r, topic, others, title, targetBytes);
    const category = CATEGORIES[i % CATEGORIES.length];
    yield {
      number: `${category}-${String(i + 1).padStart(5, "0")}`,
      title,
      category,
      type: isEnglish ? "manual" : "policy",
      ownerDepartment: DEPARTMENTS[i % DEPARTMENTS.length],
      audienceDepartments: [],
      confidentiality: "internal",
      version: 1,
      effectiveDate: "2025-01-01",
      retired: false,
      text: built.text,
      headings: built.headings.split("\n").slice(1).join("\n"),
      blob: `regulation-${shape.seed}-${i}`,
      topic: topic.id,
      language: topic.language,
      markdown: built.markdown,
    };
  }
}

/** All documents of a shape as an array. */
export function regulationCorpus(shape: CorpusShape): RegulationDoc[] {
  return [...regulationDocuments(shape)];
}

/** The search-index entry of a generated document (without the generator's own fields). */
export function asSearchDoc(doc: RegulationDoc): SearchDoc {
  const { topic: _topic, language: _language, markdown: _markdown, ...rest } = doc;
  return rest;
}
