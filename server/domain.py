"""The sales domain's vocabulary, in one place, with English and Chinese labels.

Everything here comes from ``../shared/domain.md``. The values (left) are what the
API, the database and the sync protocol carry; the labels are what people read.
Models, schemas, the seed data and the PWA (through ``GET /api/v1/meta``) all use
these lists, so an enum is never spelled twice.
"""

ROLES = {"rep": ("Field rep", "销售代表"), "manager": ("Sales manager", "销售经理"),
         "admin": ("Admin", "管理员")}

ABC_CLASSES = {"A": ("A: top purchasers", "A类"), "B": ("B: mid purchasers", "B类"),
               "C": ("C: small purchasers", "C类")}

LOYALTY = {
    "loyal": ("Loyal", "忠诚客户"),
    "brand_switching": ("Brand-switching", "品牌转移客户"),
    "no_loyalty": ("No brand loyalty", "无品牌忠诚客户"),
}

RELATIONSHIP_LADDER = {
    "aware": ("Aware", "了解者"),
    "familiar": ("Familiar", "熟知者"),
    "customer": ("Customer", "客户"),
    "repeat": ("Repeat customer", "顾客"),
    "advocate": ("Advocate", "宣传者"),
    "referrer": ("Referrer", "推荐者"),
    "partner": ("Partner", "合作者"),
}

HIGH_LOW = {"high": ("High", "高"), "low": ("Low", "低")}
SHORT_LONG = {"short": ("Short", "短"), "long": ("Long", "长")}

# Potential profit x payback period -> development strategy (客户甄别).
DEVELOPMENT_STRATEGY = {
    "full": ("Full development", "全力开发"),
    "selective": ("Selective development", "选择性开发"),
    "quick": ("Quick development", "快速开发"),
    "drop": ("Drop or restructure", "放弃或重组"),
}
STRATEGY_MATRIX = {
    ("high", "short"): "full",
    ("high", "long"): "selective",
    ("low", "short"): "quick",
    ("low", "long"): "drop",
}

# Key-account criteria, each rated 1 (low) to 5 (high).
KEY_ACCOUNT_CRITERIA = {
    "purchase_volume": ("Purchase volume", "采购量"),
    "purchase_concentration": ("Purchase concentration", "采购集中度"),
    "service_demands": ("Service-level demands", "服务要求"),
    "price_sensitivity": ("Price sensitivity", "价格敏感度"),
    "partnership_wish": ("Wish for a long-term partnership", "长期合作意愿"),
}

SATISFACTION = {
    "low": ("Dissatisfied", "不满意"),
    "medium": ("Neutral", "一般"),
    "high": ("Satisfied", "满意"),
}

CONTACT_ROLES = {
    "decision_maker": ("Decision maker", "决策人"),
    "purchaser": ("Purchaser", "采购人员"),
    "technical_evaluator": ("Technical evaluator", "技术人员"),
    "user": ("User", "使用者"),
    "supporter": ("Supporter / influencer", "支持者"),
    "coach": ("Coach", "教练"),
    "gatekeeper": ("Gatekeeper", "看门人"),
    "advisor": ("Advisor", "参谋"),
}
# The roles a decision chain should have filled before a deal can be steered.
KEY_CONTACT_ROLES = ("decision_maker", "technical_evaluator", "purchaser", "coach")

CONTACT_LEVELS = {
    "operations": ("Operations", "操作层"),
    "management": ("Management", "管理层"),
    "executive": ("Executive", "高层"),
}

# Worst to best; the order matters (a drop in stance is a meeting trigger).
STANCES = {
    "opponent": ("Opponent", "反对者"),
    "non_supporter": ("Non-supporter", "不支持者"),
    "accepting": ("Accepting", "认可者"),
    "supporter": ("Supporter", "支持者"),
    "sympathiser": ("Sympathiser", "同情者"),
    "ally": ("Ally", "同盟者"),
}

ACTIVITY_TYPES = {
    "exhibition": ("Exhibition", "展会"),
    "technical_exchange": ("Technical exchange", "技术交流"),
    "test_samples": ("Test & samples", "测试和样品"),
    "customer_visit": ("Customer visit", "客户访谈"),
    "gift": ("Gift", "赠品"),
    "business_event": ("Business event", "商务活动"),
    "site_visit": ("Site visit", "参观考察"),
}
# A visit plan (拜访计划): planned, then done when a visit is logged from it, or cancelled.
PLAN_STATUSES = {
    "planned": ("Planned", "已计划"),
    "done": ("Done", "已完成"),
    "cancelled": ("Cancelled", "已取消"),
}
# Where a lead (线索) came from, and where it stands: new until qualified into a
# customer or disqualified with a reason.
LEAD_SOURCES = {
    "exhibition": ("Exhibition", "展会"),
    "referral": ("Referral", "转介绍"),
    "cold_call": ("Cold call", "陌生拜访"),
    "inbound": ("Inbound enquiry", "客户来电/来访"),
    "website": ("Website", "网站"),
    "other": ("Other", "其他"),
}
LEAD_STATUSES = {
    "new": ("New", "新线索"),
    "qualified": ("Qualified", "已转化"),
    "disqualified": ("Disqualified", "已作废"),
}
# Company rule for gifts, in the visit's currency: a larger value is refused.
GIFT_VALUE_CAP = 2000

BUYING_STAGES = {
    "need_discovery": ("Need discovery", "发现需求"),
    "internal_deliberation": ("Internal deliberation", "内部酝酿"),
    "system_design": ("System design", "系统设计"),
    "evaluation": ("Evaluation & comparison", "评估比较"),
    "commitment": ("Purchase commitment", "购买承诺"),
    "implementation": ("Installation & implementation", "安装实施"),
}

OPPORTUNITY_STATUSES = {
    "open": ("Open", "进行中"),
    "won": ("Won", "赢单"),
    "lost": ("Lost", "丢单"),
}

LOST_REASONS = {
    "price": ("Price", "价格"),
    "product_fit": ("Product fit", "产品不符合"),
    "relationship": ("Relationship", "客户关系"),
    "competitor": ("Competitor won", "竞争对手胜出"),
    "budget_cut": ("Budget cut or project cancelled", "预算取消或项目终止"),
    "timing": ("Timing", "时机"),
    "other": ("Other", "其他"),
}

CURRENCIES = ("CNY", "USD", "EUR", "HKD", "JPY", "GBP")


def labels(vocabulary):
    """The JSON form of a vocabulary: ``[{"value", "en", "zh"}, ...]`` in order."""
    return [{"value": value, "en": en, "zh": zh} for value, (en, zh) in vocabulary.items()]


VOCABULARIES = {
    "roles": ROLES,
    "abc_classes": ABC_CLASSES,
    "loyalty": LOYALTY,
    "relationship_ladder": RELATIONSHIP_LADDER,
    "development_strategy": DEVELOPMENT_STRATEGY,
    "key_account_criteria": KEY_ACCOUNT_CRITERIA,
    "satisfaction": SATISFACTION,
    "contact_roles": CONTACT_ROLES,
    "contact_levels": CONTACT_LEVELS,
    "stances": STANCES,
    "activity_types": ACTIVITY_TYPES,
    "plan_statuses": PLAN_STATUSES,
    "lead_sources": LEAD_SOURCES,
    "lead_statuses": LEAD_STATUSES,
    "buying_stages": BUYING_STAGES,
    "opportunity_statuses": OPPORTUNITY_STATUSES,
    "lost_reasons": LOST_REASONS,
    "high_low": HIGH_LOW,
    "short_long": SHORT_LONG,
}
