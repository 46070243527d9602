// Language (zh-CN / en), UI strings, vocabulary labels and Intl formatting.

const STRINGS = {
  en: {
    app: "Fieldbook", signIn: "Sign in", email: "Email", password: "Password",
    demoNote: "Demo mode only: admin@demo / manager@demo / rep1@demo / rep2@demo, password fieldbook-demo",
    loginFailed: "Sign-in failed", offlineLogin: "You are offline: signing in needs a connection.",
    tryAgainIn: "Too many sign-in attempts: try again in {n} s.",
    accounts: "My accounts", tasks: "My tasks", conflicts: "Conflicts", settings: "Settings",
    today: "Today", leads: "Leads",
    search: "Search name, city, contact", allClasses: "All classes", anyMilestone: "Any milestone",
    notVisited30: "Not visited in 30 days", shown: "{n} of {total}", noAccounts: "No accounts match.",
    syncNow: "Sync now", pending: "{n} pending", synced: "Synced {when}", neverSynced: "Not synced yet",
    syncing: "Syncing…", offline: "Offline", syncError: "Sync failed, retrying", signInAgain: "Sign in again to sync", updateApp: "Update the app to sync (reopen it)",
    promotionStatus: "Promotion M{from} → M{to}: {status}", pending_: "pending", approved: "approved", rejected: "rejected",
    downloading: "Downloading {done} / {total}", back: "Back", save: "Save", cancel: "Cancel",
    saved: "Saved", edit: "Edit", loading: "Loading…", lastVisit: "Last visit", never: "never",
    logVisit: "Log a visit", decisionChain: "Decision chain", opportunities: "Opportunities",
    profile: "Profile", background: "Background", competitors: "Competitors", salesOpportunity: "Sales opportunity",
    classification: "ABC, loyalty, relationship", contactInfo: "Contact details", notes: "Notes",
    keyAccount: "Key account", keyAccountCriteria: "Key-account criteria", strategy: "Development strategy",
    visits: "Visits", name: "Name", city: "City", address: "Address", phone: "Phone", website: "Website",
    industry: "Industry", abcClass: "ABC class", loyalty: "Loyalty", relationship: "Relationship level",
    potentialProfit: "Potential profit", paybackPeriod: "Payback period", none: "—",
    visitType: "Type", contactsMet: "Contacts met", purpose: "Purpose", outcome: "Outcome", occurredAt: "When",
    duration: "Duration (minutes)", cost: "Cost", currency: "Currency", giftValue: "Gift value",
    giftCap: "Gift value over the company cap ({cap}).", nextActions: "Next actions", what: "What", who: "Who",
    due: "Due", checkpoint: "Checkpoint", addAction: "Add next action", removeAction: "Remove",
    saveVisit: "Save visit", draftKept: "Draft saved on this phone", purposeRequired: "State the visit's purpose.",
    opportunity: "Opportunity", amount: "Amount", closeDate: "Expected close", buyingStage: "Buying stage",
    milestone: "Milestone", probability: "Probability", criteria: "Criteria", meetAll: "Meet all",
    meetAny: "Meet any one", checklist: "Work checklist", history: "History", requestPromotion: "Request promotion",
    justification: "Justification", promotionPending: "Promotion requested: waiting for approval",
    promotionQueued: "Promotion request queued", linkedVisits: "Linked visits", noOpportunities: "No opportunities.",
    dueToday: "Due today", overdue: "Overdue", noTasks: "Nothing due. Well done.", done: "Done",
    mine: "Mine", theirs: "Theirs", kept: "Kept (current)", lost: "Lost (other edit)", keepCurrent: "Keep current",
    useLost: "Use other", merge: "Merge", resolve: "Resolve", dismiss: "Dismiss", noConflicts: "No open conflicts.",
    conflictDelete: "This record was deleted; your edit is kept here.", rejectedChanges: "Changes the server refused",
    language: "Language", followDevice: "Follow the device", logout: "Sign out", signedInAs: "Signed in as {name}",
    missingRoles: "Missing key roles", whoDecides: "Who decides", coaches: "Coaches", opponents: "Opponents",
    personal: "Personal (confidential)", stance: "Stance", level: "Level", roles: "Roles", title: "Title",
    addContact: "Add contact", deleteContact: "Delete contact",
    confirmDeleteContact: "Delete {name}? The personal data about them goes too.",
    deleteVisit: "Delete", deleteVisitOf: "Delete the visit of {when}", confirmDeleteVisit: "Delete this visit?", department: "Department", mindshare: "Mindshare", heartshare: "Heartshare",
    noContacts: "No contacts yet.", otherLevel: "Level not set", addCompetitor: "Add competitor",
    competitor: "Competitor", product: "Product", satisfaction: "Satisfaction", repName: "Their rep",
    sellingStyle: "Selling style", notFound: "Not found on this phone.", version: "App version",
    inbox: "Approvals", pipeline: "Pipeline", awaiting: "{n} awaiting your decision", withdrawn: "withdrawn",
    sessionEnded: "Your session has ended.", sessionEndedKept: "Everything on this phone is kept: sign in to send it.",
    signInAndSync: "Sign in and sync", storageFull: "This phone's storage is full: that change was not saved. Free some space (photos, other apps) and save again; your typing is still in the form.",
    storage: "Storage", storageUsage: "Using {used} MB of {quota} MB", storageUnknown: "Storage use not known",
    storagePersistent: "kept under storage pressure", storageBestEffort: "may be cleared under storage pressure",
    exportUnsent: "Export unsent changes", unsentTitle: "{n} things are not on the server yet",
    signOutKeep: "Sign out, keep them on this phone", signOutDiscard: "Discard them and sign out",
    confirmDiscardUnsent: "Delete these {n} unsent things for good and sign out?",
    unsentEdit: "{n} fields", unsentDelete: "delete", draft: "Draft",
    parkedNote: "This phone keeps {n} unsent changes of {name}: they are sent when {name} signs in again here.",
    setAsideTitle: "Not sent: needs you", setAsideFailed: "The server failed on this change ({status}); the rest went on.",
    setAsideRefused: "The server refused this change", retry: "Retry", discard: "Discard", retryAll: "Retry all",
    confirmDiscardChange: "Discard this change for good?", resolving: "Sent: closes when the server has it.",
    resolveRefused: "The server refused the re-created record: {message}",
    table_customers: "Account", table_contacts: "Contact", table_contact_personal: "Personal data",
    table_visits: "Visit", table_tasks: "Task", table_opportunities: "Opportunity", table_competitors: "Competitor",
    table_conflicts: "Conflict", table_promotions: "Promotion", table_stages: "Stage",
  },
  zh: {
    app: "Fieldbook 外勤本", signIn: "登录", email: "邮箱", password: "密码",
    demoNote: "仅限演示模式:admin@demo / manager@demo / rep1@demo / rep2@demo,密码 fieldbook-demo",
    loginFailed: "登录失败", offlineLogin: "当前离线:登录需要网络连接。",
    tryAgainIn: "登录尝试次数过多:请在 {n} 秒后重试。",
    accounts: "我的客户", tasks: "我的任务", conflicts: "冲突", settings: "设置",
    today: "今日", leads: "线索",
    search: "搜索名称、城市、联系人", allClasses: "全部分类", anyMilestone: "全部里程碑",
    notVisited30: "30 天未拜访", shown: "{n} / {total}", noAccounts: "没有匹配的客户。",
    syncNow: "立即同步", pending: "{n} 条待同步", synced: "已同步 {when}", neverSynced: "尚未同步",
    syncing: "同步中…", offline: "离线", syncError: "同步失败,稍后重试", signInAgain: "请重新登录以同步", updateApp: "请更新应用后再同步(重新打开)",
    promotionStatus: "晋级申请 M{from} → M{to}:{status}", pending_: "待审批", approved: "已批准", rejected: "已驳回",
    downloading: "正在下载 {done} / {total}", back: "返回", save: "保存", cancel: "取消",
    saved: "已保存", edit: "编辑", loading: "加载中…", lastVisit: "最近拜访", never: "从未",
    logVisit: "记录拜访", decisionChain: "决策链", opportunities: "销售机会",
    profile: "客户资料", background: "背景资料", competitors: "竞争对手", salesOpportunity: "销售机会信息",
    classification: "ABC 分类、忠诚度、关系级别", contactInfo: "联系方式", notes: "备注",
    keyAccount: "大客户", keyAccountCriteria: "大客户标准", strategy: "开发策略",
    visits: "拜访记录", name: "名称", city: "城市", address: "地址", phone: "电话", website: "网站",
    industry: "行业", abcClass: "ABC 分类", loyalty: "忠诚度", relationship: "关系级别",
    potentialProfit: "潜在利润", paybackPeriod: "回报周期", none: "—",
    visitType: "类型", contactsMet: "会见的联系人", purpose: "目的", outcome: "结果", occurredAt: "时间",
    duration: "时长(分钟)", cost: "费用", currency: "币种", giftValue: "礼品价值",
    giftCap: "礼品价值超过公司上限({cap})。", nextActions: "下一步行动", what: "工作内容", who: "责任人",
    due: "时间", checkpoint: "监控点", addAction: "添加下一步行动", removeAction: "删除",
    saveVisit: "保存拜访", draftKept: "草稿已保存在本机", purposeRequired: "请填写拜访目的。",
    opportunity: "销售机会", amount: "金额", closeDate: "预计成交日期", buyingStage: "采购阶段",
    milestone: "里程碑", probability: "赢单概率", criteria: "标准", meetAll: "须全部符合",
    meetAny: "符合其中一条即可", checklist: "工作清单", history: "历史", requestPromotion: "申请晋级",
    justification: "理由", promotionPending: "已申请晋级,等待审批", promotionQueued: "晋级申请已排队",
    linkedVisits: "关联拜访", noOpportunities: "暂无销售机会。",
    dueToday: "今天到期", overdue: "已逾期", noTasks: "没有到期任务。", done: "完成",
    mine: "我的", theirs: "对方的", kept: "保留的(当前)", lost: "被覆盖的", keepCurrent: "保留当前",
    useLost: "使用另一版本", merge: "合并", resolve: "解决", dismiss: "忽略", noConflicts: "没有未解决的冲突。",
    conflictDelete: "该记录已被删除;你的修改保存在这里。", rejectedChanges: "服务器拒绝的修改",
    language: "语言", followDevice: "跟随设备", logout: "退出登录", signedInAs: "当前用户:{name}",
    missingRoles: "缺少的关键角色", whoDecides: "谁做决定", coaches: "教练", opponents: "反对者",
    personal: "个人资料(保密)", stance: "态度", level: "层级", roles: "角色", title: "职位",
    addContact: "添加联系人", deleteContact: "删除联系人",
    confirmDeleteContact: "删除{name}?关于此人的个人信息也将一并删除。",
    deleteVisit: "删除", deleteVisitOf: "删除{when}的拜访记录", confirmDeleteVisit: "删除这条拜访记录?", department: "部门", mindshare: "理性认同", heartshare: "感性认同",
    noContacts: "暂无联系人。", otherLevel: "未设层级", addCompetitor: "添加竞争对手",
    competitor: "竞争对手", product: "产品", satisfaction: "满意度", repName: "对方销售",
    sellingStyle: "销售风格", notFound: "本机上没有找到。", version: "应用版本",
    inbox: "审批", pipeline: "漏斗", awaiting: "{n} 条待你审批", withdrawn: "已撤回",
    sessionEnded: "登录已过期。", sessionEndedKept: "本机上的内容都已保留:登录后即可发送。",
    signInAndSync: "登录并同步", storageFull: "手机存储空间已满:这次修改没有保存。请清理空间(照片、其他应用)后再保存;已输入的内容仍在表单中。",
    storage: "存储", storageUsage: "已用 {used} MB / 共 {quota} MB", storageUnknown: "无法获知存储用量",
    storagePersistent: "存储空间紧张时也会保留", storageBestEffort: "存储空间紧张时可能被清除",
    exportUnsent: "导出未发送的修改", unsentTitle: "还有 {n} 项内容未发送到服务器",
    signOutKeep: "退出,但在本机保留", signOutDiscard: "丢弃并退出",
    confirmDiscardUnsent: "永久删除这 {n} 项未发送的内容并退出?",
    unsentEdit: "{n} 个字段", unsentDelete: "删除", draft: "草稿",
    parkedNote: "本机保留着 {name} 的 {n} 条未发送修改:{name} 在本机再次登录后即会发送。",
    setAsideTitle: "未发送:需要你处理", setAsideFailed: "服务器处理这条修改时出错({status});其余修改已继续同步。",
    setAsideRefused: "服务器拒绝了这条修改", retry: "重试", discard: "丢弃", retryAll: "全部重试",
    confirmDiscardChange: "永久丢弃这条修改?", resolving: "已发送:服务器确认后关闭。",
    resolveRefused: "服务器拒绝了重建的记录:{message}",
    table_customers: "客户", table_contacts: "联系人", table_contact_personal: "个人信息",
    table_visits: "拜访", table_tasks: "任务", table_opportunities: "商机", table_competitors: "竞争对手",
    table_conflicts: "冲突", table_promotions: "晋级申请", table_stages: "阶段",
  },
};

/** Strings of lazily loaded screens (js/strings-pipeline.js), kept off the first load. */
export function addStrings(more) {
  for (const l of Object.keys(more)) Object.assign(STRINGS[l], more[l]);
}

// Vocabularies: from GET /api/v1/meta (cached in IndexedDB), else the bundled copy in
// vocab.js, which is loaded only when a screen first needs labels (not on first paint).
let vocab = null;
let bundled = null;
let chosen = null; // null: follow navigator.language

export function deviceLocale() {
  return (navigator.language || "en").toLowerCase().startsWith("zh") ? "zh-CN" : "en";
}

export function locale() { return chosen || deviceLocale(); }
export function setLocale(value) {
  chosen = value || null;
  document.documentElement.lang = locale();
}
export const lang = () => (locale() === "zh-CN" ? "zh" : "en");

export function t(key, params) {
  let s = STRINGS[lang()][key] ?? STRINGS.en[key] ?? key;
  if (params) for (const [k, v] of Object.entries(params)) s = s.replace(`{${k}}`, v);
  return s;
}

/** A refused sign-in, as the sign-in screens say it: after too many attempts (429) how
 * long to wait, from the server's Retry-After, in the phone's language. */
export function signInFailed(err) {
  if (err.status === 429 && err.retryAfter) return t("tryAgainIn", { n: err.retryAfter });
  return `${t("loginFailed")}: ${err.message}`;
}

/** Vocabularies from GET /api/v1/meta win over the bundled copy. */
export function setVocabularies(data) {
  const v = data?.vocabularies || data;
  if (v && typeof v === "object") vocab = { ...(bundled || {}), ...(vocab || {}), ...v };
}

/** Make sure some vocabularies are loaded (the bundled copy when nothing was fetched). */
export async function ensureVocabularies() {
  if (!bundled) {
    bundled = (await import("./vocab.js")).VOCAB;
    vocab = { ...bundled, ...(vocab || {}) };
  }
}

export function options(name) {
  return ((vocab || {})[name] || []).map((o) => (typeof o === "string" ? { value: o, en: o, zh: o } : o));
}

export function label(name, value) {
  if (value == null || value === "") return t("none");
  const o = options(name).find((x) => x.value === value);
  return o ? o[lang()] || o.en : String(value);
}

/** Bilingual text from stages ({en, zh} items or name_en/name_zh fields). */
export function pick(item, field) {
  if (!item) return "";
  if (field) return item[`${field}_${lang()}`] || item[`${field}_en`] || "";
  return item[lang()] || item.en || "";
}

export const fmt = {
  date: (v) => (v ? new Intl.DateTimeFormat(locale(), { dateStyle: "medium" }).format(new Date(v)) : t("none")),
  datetime: (v) => (v ? new Intl.DateTimeFormat(locale(), { dateStyle: "medium", timeStyle: "short" }).format(new Date(v)) : t("none")),
  number: (v) => new Intl.NumberFormat(locale()).format(Number(v || 0)),
  money: (v, currency = "CNY") => {
    try { return new Intl.NumberFormat(locale(), { style: "currency", currency }).format(Number(v || 0)); } catch { return `${v} ${currency}`; }
  },
  relative: (ms) => {
    const rtf = new Intl.RelativeTimeFormat(locale(), { numeric: "auto" });
    const s = Math.round((ms - Date.now()) / 1000);
    if (Math.abs(s) < 60) return rtf.format(s, "second");
    if (Math.abs(s) < 3600) return rtf.format(Math.round(s / 60), "minute");
    if (Math.abs(s) < 86400) return rtf.format(Math.round(s / 3600), "hour");
    return rtf.format(Math.round(s / 86400), "day");
  },
};
