// UI strings of the promotion and pipeline screens (English and zh-CN). Imported by those
// lazily loaded screens only, so the first load does not carry them.

import { addStrings } from "./i18n.js";

addStrings({
  en: {
    targetMilestone: "Move to", markLost: "Mark as lost", lostReason: "Why was it lost", lostNote: "What happened",
    definition: "Definition", skipReason: "Why skip milestones", skipRequired: "Skipping milestones needs a reason.",
    linkedContacts: "Linked contacts", thinEvidence: "Thin evidence (you can still send):",
    w_no_visit_in_stage: "No visit logged since the deal entered its current milestone.",
    w_missing_role: "No linked contact with one of these roles: {roles}.",
    send: "Send request", sendAnyway: "Send anyway", withdraw: "Withdraw request",
    criteriaRuleUnmet: "Tick the criteria the stage asks for.", lostRequest: "Mark lost", status: "Status",
    decisionComment: "Manager's comment", requestedAt: "Requested", decidedAt: "Decided",
    awaitingYou: "Awaiting your decision", noneAwaiting: "Nothing awaits your decision.",
    recentlyDecided: "Decided by you", approve: "Approve", reject: "Reject", comment: "Comment",
    rejectNeedsComment: "Rejecting needs a comment.", criteriaMet: "Criteria met", notMet: "not met",
    waitingSync: "Decision saved on this phone; it reaches the server at the next sync.",
    requestedBy: "Requested by", promotionOf: "M{from} → M{to}", lostOf: "M{from} → lost",
    asOf: "As of {when}", cachedOffline: "Offline: showing the figures fetched {when}.",
    noFigures: "No figures on this phone yet: connect to load them.", refresh: "Refresh",
    funnel: "Funnel: open deals per milestone", deals: "deals", weighted: "Weighted",
    forecastTitle: "Forecast against target", requestedWeighted: "If pending requests are approved",
    target: "Target", coverage: "Coverage", month: "Month", noMonth: "No date", total: "Total",
    movementTitle: "Stalled and overdue deals", daysInStage: "{days} days in stage (limit {limit})",
    daysLate: "{days} days late", stalled: "stalled", late: "late", nothingStuck: "No stalled or overdue deals.",
    repsTitle: "Reps: conversion and activity", openDeals: "open", stalledDeals: "stalled",
    belowScope: "below the team rate", conversion: "Conversion", activity: "Activity (visits by type)",
    gifts: "Gifts", meetingsTitle: "Project analysis meetings to call", agenda: "Agenda", noMeetings: "No meeting needed.",
    loadFailed: "Could not load the figures: {message}", opp_won: "Won", opp_lost: "Lost",
    trig_stalled: "stalled", trig_late: "late", trig_stance_drop: "stance dropped", trig_bid_approaching: "bid approaching",
    period: "Month", periodHint: "Deals closing that month; empty: every open deal.", repFilter: "Rep", everyone: "Everyone",
    targetsTitle: "Monthly targets of your reps", targetsOnline: "Targets are set online.", targetsSaved: "Targets saved.",
    targetsFailed: "Targets not saved: {message}", saveTargets: "Save targets",
  },
  zh: {
    targetMilestone: "晋级到", markLost: "标记为丢单", lostReason: "丢单原因", lostNote: "丢单经过",
    definition: "定义", skipReason: "跨越里程碑的理由", skipRequired: "跨越里程碑需要说明理由。",
    linkedContacts: "关联联系人", thinEvidence: "证据不足(仍可提交):",
    w_no_visit_in_stage: "进入当前里程碑以来没有拜访记录。",
    w_missing_role: "没有关联以下角色之一的联系人:{roles}。",
    send: "提交申请", sendAnyway: "仍然提交", withdraw: "撤回申请",
    criteriaRuleUnmet: "请勾选该阶段要求的标准。", lostRequest: "丢单", status: "状态",
    decisionComment: "经理意见", requestedAt: "申请时间", decidedAt: "审批时间",
    awaitingYou: "待你审批", noneAwaiting: "没有待你审批的申请。",
    recentlyDecided: "你已审批", approve: "批准", reject: "驳回", comment: "意见",
    rejectNeedsComment: "驳回需要填写意见。", criteriaMet: "已符合的标准", notMet: "未符合",
    waitingSync: "审批已保存在本机,下次同步时送达服务器。",
    requestedBy: "申请人", promotionOf: "M{from} → M{to}", lostOf: "M{from} → 丢单",
    asOf: "数据时间:{when}", cachedOffline: "离线:显示 {when} 获取的数据。",
    noFigures: "本机还没有数据:请联网加载。", refresh: "刷新",
    funnel: "销售漏斗:各里程碑的在途机会", deals: "个机会", weighted: "加权金额",
    forecastTitle: "预测与目标", requestedWeighted: "若待审批申请全部批准",
    target: "目标", coverage: "覆盖率", month: "月份", noMonth: "无日期", total: "合计",
    movementTitle: "停滞和逾期的机会", daysInStage: "在当前阶段 {days} 天(上限 {limit})",
    daysLate: "逾期 {days} 天", stalled: "停滞", late: "逾期", nothingStuck: "没有停滞或逾期的机会。",
    repsTitle: "销售代表:转化率与活动", openDeals: "在途", stalledDeals: "停滞",
    belowScope: "低于团队水平", conversion: "转化率", activity: "活动(按类型统计拜访)",
    gifts: "礼品", meetingsTitle: "需要召开的工程分析会", agenda: "议程", noMeetings: "暂无需要召开的会议。",
    loadFailed: "无法加载数据:{message}", opp_won: "赢单", opp_lost: "丢单",
    trig_stalled: "停滞", trig_late: "逾期", trig_stance_drop: "态度转差", trig_bid_approaching: "投标临近",
    period: "月份", periodHint: "该月预计成交的机会;留空:全部在途机会。", repFilter: "销售代表", everyone: "全部",
    targetsTitle: "销售代表月度目标", targetsOnline: "目标需联网设置。", targetsSaved: "目标已保存。",
    targetsFailed: "目标未保存:{message}", saveTargets: "保存目标",
  },
});

/** A server evidence warning ("no_visit_in_stage", "missing_role:a|b") as text. */
export function warningText(w, t, label) {
  if (w.startsWith("missing_role:")) {
    return t("w_missing_role", { roles: w.slice(13).split("|").map((r) => label("contact_roles", r)).join(" / ") });
  }
  return t(`w_${w}`);
}

const hlcMs = (hlc) => (hlc ? Number(String(hlc).slice(0, 13)) || null : null);

/** When a request was made: `created_at` is not a synced field, so the time of the HLC that
 * wrote `from_milestone` (the request's creation); null while it is only on this phone. */
export function requestedAt(p) {
  return p.created_at ? new Date(p.created_at).getTime() : hlcMs(p._v?.from_milestone);
}

/** When it was decided (or withdrawn): `decided_at`, else the HLC of its status. */
export function decidedAt(p) {
  if ((p.status || "pending") === "pending") return null;
  return p.decided_at ? new Date(p.decided_at).getTime() : hlcMs(p._v?.status);
}

/** Newest first; requests not yet synced (no time) first of all. */
export const newestFirst = (a, b) => (requestedAt(b) ?? Infinity) - (requestedAt(a) ?? Infinity) || 0;
