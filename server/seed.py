"""The demo organisation (``flask seed-demo``) and bulk data for benchmarks (``seed_bulk``).

Every synced record is written through one ``sync.engine.ChangeSet`` acting as the demo
admin (client id ``seed``), in one transaction, so the data gets seqs, field versions,
checksums and audit entries exactly like data typed on a phone. The data is generated
from a fixed random seed: the same content on every run; dates are relative to ``today``.
"""

import json
import random
import time
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from datetime import time as dtime
from decimal import Decimal

import sqlalchemy as sa

from sync.engine import ChangeSet, Registry

from . import domain
from . import promotions as promotion_rules
from .access import Access
from .extensions import db
from .models import Customer, CustomerShare, Stage, Target, Team, User
from .passwords import hash_password
from .stage_defaults import DEFAULT_STAGES
from .sync_registry import registry as app_registry

DEMO_PASSWORD = "fieldbook-demo"
DEMO_TEAM = "华东大区 / East China"
DEMO_USERS = [
    # (email, name, role)
    ("admin@demo", "系统管理员 Admin", "admin"),
    ("manager@demo", "陈经理 Chen Wei", "manager"),
    ("rep1@demo", "王磊 Wang Lei", "rep"),
    ("rep2@demo", "李娜 Li Na", "rep"),
]
SEED = 20240617
CLIENT_ID = "seed"
LOCAL = timedelta(hours=8)  # the demo team works on China Standard Time


class AlreadySeeded(RuntimeError):
    """The demo users exist already."""


def open_changeset(session, access, client_id=CLIENT_ID, registry=app_registry):
    """A ChangeSet for the seed (server-owned fields are written with ``authoritative``)."""
    return ChangeSet(session, registry, access, client_id=client_id)


# -- the vocabulary of the demo ------------------------------------------------------------

# (name, city, district/street, industry, website, english?)
CUSTOMERS = [
    [  # rep1: Jiangsu south and Shanghai
        ("无锡华光电力设备有限公司", "无锡", "新吴区长江路 88 号", "电力设备", "www.hgpower.com.cn", False),
        ("苏州第一人民医院", "苏州", "姑苏区十梓街 188 号", "医疗卫生", "www.sdfmu.com", False),
        ("Northwind Hospital Group", "上海", "徐汇区宛平南路 600 号", "Healthcare",
         "www.northwind-hospitals.com", True),
        ("杭州西湖制药股份有限公司", "杭州", "西湖区文三路 318 号", "制药", "www.xhpharma.cn", False),
        ("南京长江钢铁集团", "南京", "江北新区大厂街道 1 号", "钢铁冶金", "www.cjsteel.com.cn", False),
        ("Contoso Semiconductor (Suzhou) Co., Ltd.", "苏州", "工业园区星湖街 328 号", "Semiconductors",
         "www.contoso-semi.com", True),
        ("上海浦东国际物流有限公司", "上海", "浦东新区航城路 999 号", "物流仓储", "www.pdlogistics.cn", False),
        ("常州恒达化工有限公司", "常州", "新北区滨江经济开发区港区北路 6 号", "化工", "www.hengdachem.com", False),
        ("Blue River Water Utilities", "宁波", "鄞州区天童南路 588 号", "Water utilities",
         "www.blueriver-water.com", True),
        ("宁波港集装箱码头有限公司", "宁波", "北仑区明州路 100 号", "港口航运", "www.nbct.com.cn", False),
        ("嘉兴新材料科技有限公司", "嘉兴", "南湖区亚太路 778 号", "新材料", "www.jxnm-tech.com", False),
        ("Fabrikam Automotive Parts (Kunshan)", "昆山", "开发区前进东路 1288 号", "Automotive parts",
         "www.fabrikam-auto.com", True),
    ],
    [  # rep2: Anhui, Zhejiang south, Jiangsu north
        ("合肥市第二人民医院", "合肥", "瑶海区和平路 246 号", "医疗卫生", "www.hfey.com.cn", False),
        ("南通中远船务工程有限公司", "南通", "港闸区江海大道 1 号", "船舶制造", "www.ntcosco-ship.cn", False),
        ("Adventure Works Education Group", "上海", "长宁区延安西路 1118 号", "Education",
         "www.adventure-works.edu", True),
        ("绍兴纺织印染集团", "绍兴", "柯桥区笛扬路 1 号", "纺织印染", "www.sxtextile.com", False),
        ("扬州市自来水有限公司", "扬州", "邗江区文昌西路 56 号", "水务", "www.yzwater.com.cn", False),
        ("Tailspin Data Centers (Shanghai)", "上海", "闵行区紫星路 588 号", "Data centres",
         "www.tailspin-dc.com", True),
        ("温州瓯江电气有限公司", "温州", "乐清市柳市镇长虹路 18 号", "电气设备", "www.oujiang-elec.com", False),
        ("徐州工程机械配件厂", "徐州", "经济技术开发区驮蓝山路 26 号", "工程机械", "www.xzgjpj.com", False),
        ("Litware Pharmaceuticals China", "苏州", "工业园区星湖街 218 号", "Pharmaceuticals",
         "www.litware-pharma.com", True),
        ("金华市中心医院", "金华", "婺城区明月街 351 号", "医疗卫生", "www.jhcch.com", False),
        ("镇江金山食品有限公司", "镇江", "京口区学府路 300 号", "食品饮料", "www.jsfood.com.cn", False),
        ("Woodgrove Bank Shanghai Branch", "上海", "浦东新区世纪大道 100 号", "Banking",
         "www.woodgrovebank.com", True),
    ],
]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董袁潘蒋蔡余杜叶程魏苏吕丁沈"
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
         "超", "秀英", "霞", "平", "刚", "桂英", "建华", "志强", "海燕", "晓东", "文博", "子涵", "雨欣", "国栋"]
EN_FIRST = ["David", "Emily", "Michael", "Sarah", "James", "Olivia", "Daniel", "Grace", "Kevin",
            "Linda", "Peter", "Helen", "Jason", "Amy", "Eric", "Cathy"]
EN_LAST = ["Zhang", "Wong", "Miller", "Chen", "Schmidt", "Liu", "Tanaka", "Brown", "Huang", "Lee"]

# role -> (level, Chinese titles, English titles, department zh, department en)
ROLE_PROFILES = {
    "decision_maker": ("executive", ["总经理", "副总经理", "院长", "分管副院长", "董事长"],
                       ["General Manager", "Managing Director", "COO", "Vice President"],
                       "总经理办公室", "Executive office"),
    "purchaser": ("management", ["采购部经理", "采购主管", "招标办主任"],
                  ["Procurement Manager", "Purchasing Lead"], "采购部", "Procurement"),
    "technical_evaluator": ("management", ["总工程师", "设备科科长", "技术部经理", "信息中心主任"],
                            ["Chief Engineer", "Head of Engineering", "IT Director"],
                            "技术部", "Engineering"),
    "user": ("operations", ["车间主任", "护士长", "运维班长", "生产主管"],
             ["Shift Supervisor", "Operations Lead", "Head Nurse"], "生产部", "Operations"),
    "supporter": ("management", ["财务经理", "质量部经理", "办公室主任"],
                  ["Finance Manager", "Quality Manager"], "财务部", "Finance"),
    "coach": ("operations", ["设备工程师", "信息科工程师", "项目专员"],
              ["Project Engineer", "Systems Engineer"], "设备科", "Facilities"),
    "gatekeeper": ("operations", ["总经理秘书", "院办秘书", "行政助理"],
                   ["Executive Assistant", "Office Manager"], "总经理办公室", "Executive office"),
    "advisor": ("management", ["设计院顾问", "行业协会专家", "集团采购中心主任"],
                ["External Consultant", "Group Purchasing Advisor"], "外部顾问", "External"),
}

COMPETITORS = [
    # (competitor, products, rep names, selling style, relationship)
    ("西门子 Siemens", ["SIMATIC S7-1500 控制系统", "SIVACON 低压柜", "Healthineers 影像设备"]),
    ("ABB", ["ACS880 变频器", "UniGear 中压开关柜", "Ability 运维平台"]),
    ("施耐德电气 Schneider Electric", ["EcoStruxure 能效平台", "Galaxy UPS", "Okken 开关柜"]),
    ("迈瑞医疗 Mindray", ["BeneVision 监护系统", "Resona 超声"]),
    ("和利时 Hollysys", ["MACS DCS 系统", "LK 大型 PLC"]),
    ("汇川技术 Inovance", ["MD 系列变频器", "AM600 PLC"]),
    ("Honeywell", ["Experion PKS", "Building management suite"]),
    ("本地集成商 Local integrator", ["定制化集成方案"]),
]
SELLING_STYLES = [
    "价格战为主,报价比我方低 10%-15%,承诺免费延保。",
    "高层关系型,经常请客户高层参加总部活动。",
    "技术导向,样板工程多,技术交流做得细。",
    "渠道驱动,依靠当地代理商维护关系,响应速度快。",
    "Relies on global framework agreements and brand; slow to respond locally.",
]
RELATIONSHIPS = [
    "与设备科关系密切,曾多次组织参观考察。",
    "与采购部经理是老乡,私交较好。",
    "前任总经理时期关系很好,现任领导上任后有所疏远。",
    "售后服务投诉较多,使用部门有怨言。",
    "Long-standing supplier; the technical team is used to their tools.",
]
CONTACT_NOTES = [
    "说话直接,重视数据和案例。", "对价格非常敏感,喜欢比较三家报价。", "曾在竞争对手的样板工程工作过。",
    "对我方售后服务评价很好。", "新上任,正在建立自己的团队,希望做出成绩。", "",
    "Prefers email over calls; replies in the evening.", "",
]

PERSONAL = {
    "family": ["已婚,一个女儿上初中", "已婚,两个孩子", "单身,父母在老家", "Married, one son at university"],
    "education": ["浙江大学 电气工程", "东南大学 自动化", "复旦大学 临床医学", "南京理工大学 机械工程",
                  "Tongji University, MBA"],
    "spouse": ["在中学当老师", "在银行工作", "医生", "Runs a small design studio"],
    "children": ["女儿 14 岁,喜欢钢琴", "儿子准备高考", "双胞胎,小学三年级", "Son, 8, plays football"],
    "sports": ["羽毛球", "周末爬山", "高尔夫", "游泳", "Running, half marathons"],
    "food": ["喜欢杭帮菜,不吃辣", "无锡本帮菜,偏甜口", "爱吃火锅", "素食", "Japanese food, no seafood"],
    "pets": ["养了一只柯基", "两只猫", "", "A golden retriever"],
    "car": ["奥迪 A6L", "比亚迪 汉 EV", "丰田凯美瑞", "Tesla Model Y"],
    "reading": ["历史类书籍", "《三体》", "管理类书籍", "The Economist"],
    "residence": ["住在新区,离厂区 20 分钟", "住在老城区", "Lives in Pudong, near Century Park"],
    "last_holiday": ["国庆去了云南", "春节回老家", "去日本北海道滑雪", "Summer in Qingdao"],
    "next_holiday": ["计划暑假带孩子去新疆", "五一去黄山", "Plans a trip to Europe in autumn"],
    "hometown": ["安徽安庆", "江苏盐城", "浙江温州", "山东烟台", "Hubei Wuhan"],
    "other_organisations": ["市电力行业协会理事", "医院协会设备管理分会委员", "校友会副会长", ""],
    "itinerary": ["下月中旬去德国参展", "每周三在分厂", "Monthly trip to group HQ in Beijing"],
    "colleague_relationships": ["与总工关系很好,常一起打球", "与采购经理有分歧", "是总经理提拔起来的",
                                "Close to the CFO"],
}

OPPORTUNITY_NAMES = [
    ("配电自动化改造项目", "Distribution automation upgrade"),
    ("新厂区智能监控系统", "Smart monitoring for the new plant"),
    ("设备运维服务三年框架协议", "Three-year maintenance framework"),
    ("能源管理平台一期", "Energy management platform, phase 1"),
    ("备品备件年度采购", "Annual spare parts purchase"),
    ("产线数字化升级", "Production line digitalisation"),
    ("不间断电源扩容", "UPS capacity expansion"),
    ("中压开关柜更换", "Medium-voltage switchgear replacement"),
    ("信息化机房建设", "Server room build-out"),
    ("检测设备更新", "Test equipment renewal"),
]
BUYING_STAGE_FOR_MILESTONE = {1: "need_discovery", 2: "internal_deliberation", 3: "system_design",
                              4: "evaluation", 5: "commitment", 6: "commitment",
                              7: "implementation"}
LOST_NOTES = {
    "price": "最终报价比竞争对手高 12%,客户财务坚持最低价中标。",
    "product_fit": "客户要求的通讯协议我方产品暂不支持。",
    "relationship": "决策人更换,新领导与竞争对手关系密切。",
    "competitor": "竞争对手提供了样板工程参观和免费试用,技术评分领先。",
    "budget_cut": "集团预算调整,项目推迟到明年重新立项。",
    "timing": "我方交期 16 周,客户要求 8 周内到货。",
    "other": "客户改为集团统一招标,本地项目取消。",
}

# type -> (purposes, notes, outcomes, cost range CNY, duration range minutes)
ACTIVITIES = {
    "exhibition": (
        ["邀请客户参观工博会我方展台", "新品发布会,演示新一代控制系统", "Invite to the Shanghai industry expo booth"],
        ["客户对新品的远程运维功能很感兴趣,现场询问了价格区间。", "展台演示了能效平台,技术人员拍了很多照片。",
         "Walked the team through the live demo; they asked about integration with their ERP."],
        ["客户同意安排技术交流", "获得三条新线索", "Agreed to a follow-up technical session"],
        (3000, 20000), (120, 300)),
    "technical_exchange": (
        ["在客户现场做方案技术交流", "针对采购指标讲解我方优势", "On-site presentation of the retrofit design"],
        ["技术部对我方方案的冗余设计认可,但担心与现有系统的兼容性。",
         "总工提出三个技术问题,需要两周内书面答复。",
         "The engineering team challenged our MTBF figures; we promised reference data."],
        ["技术人员倾向我方方案", "需要补充兼容性测试报告", "Evaluator will draft specs with our input"],
        (500, 3000), (90, 240)),
    "test_samples": (
        ["提供样机给客户测试", "搭建测试环境验证通讯协议", "Deliver samples for a 30-day trial"],
        ["样机在一号车间试运行两周,运行稳定。", "测试中发现一个参数配置问题,已现场解决。",
         "Trial units installed on line 2; operators like the new HMI."],
        ["测试通过,客户出具测试报告", "需要延长测试一周", "Trial passed; report requested"],
        (2000, 10000), (60, 240)),
    "customer_visit": (
        ["拜访采购部了解招标时间表", "拜访决策人汇报项目进展", "Quarterly review with the plant manager",
         "了解客户明年预算安排"],
        ["采购部透露预算约 300 万,计划下季度招标。", "总经理关心交期和本地服务能力。",
         "客户抱怨竞争对手售后响应慢,这是我们的机会。",
         "The GM wants a fixed-price offer including three years of service."],
        ["确认了招标时间表", "决策人同意参观样板工程", "Confirmed budget owner and timeline",
         "客户态度积极,但未表态"],
        (0, 300), (30, 120)),
    "gift": (
        ["中秋节礼品", "春节慰问", "Thank-you gift after the site visit"],
        ["送了公司定制的茶叶礼盒,价值在公司规定范围内。", "送了带公司标志的保温杯和笔记本。",
         "Sent a company-branded gift set; value recorded per policy."],
        ["客户表示感谢", "", "Well received"],
        (200, 1800), (15, 30)),
    "business_event": (
        ["与客户技术团队晚餐", "邀请客户参加羽毛球友谊赛", "Dinner with the procurement team"],
        ["晚餐气氛轻松,教练透露了竞争对手的报价策略。", "球赛后与采购经理聊了家庭和孩子升学。",
         "Informal dinner; learned the evaluation committee will have five members."],
        ["关系更近一步", "获得竞争对手情报", "Learned the evaluation committee members"],
        (800, 5000), (120, 240)),
    "site_visit": (
        ["邀请客户参观我方工厂", "组织客户考察样板客户", "Reference visit to a customer in Suzhou"],
        ["客户一行五人参观了生产线和测试中心,对质量控制印象深刻。",
         "样板客户现身说法,决策人当场询问了运维成本。",
         "The delegation spent a day at the reference site and met their maintenance lead."],
        ["决策人明确表示倾向我方", "技术指标有望写入招标文件", "Decision maker leans toward us"],
        (3000, 15000), (240, 600)),
}
TASKS = [
    ("提交技术澄清书面答复", "回复中确认兼容性"),
    ("发送正式报价单", "客户确认收到并反馈"),
    ("安排样板客户参观", "确认参观人员名单"),
    ("约决策人汇报方案", "决策人同意会面"),
    ("补充测试报告", "技术部签字确认"),
    ("整理竞争对手情报并更新客户档案", "档案完成"),
    ("Send the reference case study", "Customer confirms receipt"),
    ("Book the follow-up technical session", "Date agreed with the evaluator"),
]


# -- generation ----------------------------------------------------------------------------

@dataclass
class Demo:
    """What seed-demo created (ids for tests and the CLI's summary)."""

    users: dict
    team_id: str
    counts: dict


class _Ids:
    """Deterministic UUIDs from the seeded generator."""

    def __init__(self, rng):
        self.rng = rng

    def __call__(self):
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))


def _local_dt(day, hour, minute=0):
    """An aware UTC datetime for a local (China) wall-clock time on ``day``."""
    return datetime.combine(day, dtime(hour, minute), UTC) - LOCAL


def _person(rng, english):
    if english and rng.random() < 0.6:
        return f"{rng.choice(EN_FIRST)} {rng.choice(EN_LAST)}"
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def _pick_text(rng, options, english):
    """Prefer English options for English-named customers, Chinese ones otherwise."""
    ascii_only = [o for o in options if o.isascii()]
    chinese = [o for o in options if not o.isascii()]
    pool = (ascii_only if english else chinese) or options
    return rng.choice(pool)


def customer_profile(rng, entry, index, owner_id):
    name, city, street, industry, website, english = entry
    abc = "A" if index % 4 == 0 else ("B" if index % 4 in (1, 2) else "C")
    criteria = {key: rng.randint(1, 5) for key in domain.KEY_ACCOUNT_CRITERIA}
    if abc == "A":
        criteria["purchase_volume"] = 5
    domain_part = website.removeprefix("www.")
    return {
        "owner_id": owner_id, "name": name, "city": city, "address": f"{city}市{street}",
        "phone": f"0{rng.choice([510, 512, 21, 571, 25, 519, 574, 573, 551, 513, 514, 577, 516])}-"
                 f"{rng.randint(5000_0000, 8999_9999)}",
        "email": f"info@{domain_part}", "website": f"https://{website}", "industry": industry,
        "abc_class": abc,
        "loyalty": rng.choice(list(domain.LOYALTY)),
        "relationship_level": rng.choice(list(domain.RELATIONSHIP_LADDER)),
        "potential_profit": rng.choice(["high", "low"]),
        "payback_period": rng.choice(["short", "long"]),
        "key_account_criteria": criteria,
        "is_key_account": abc == "A" or sum(criteria.values()) >= 18,
        # 1. background
        "org_chart": "总经理 → 副总经理(生产)→ 设备部 / 生产部;副总经理(经营)→ 采购部 / 财务部",
        "bank_account": f"中国工商银行{city}分行 6222 **** **** {rng.randint(1000, 9999)}",
        "finance_contact": f"{_person(rng, False)},财务部,分机 {rng.randint(800, 899)}",
        "delivery_address": f"{city}市{street} 3 号仓库",
        "receiving_contact": f"{_person(rng, False)},仓库主管",
        "using_departments": "生产部、设备部" if not english else "Operations, Facilities",
        "purchasing_departments": "采购部(集团采购中心备案)" if not english else "Procurement",
        "supporting_departments": "信息中心、财务部" if not english else "IT, Finance",
        "maintenance_staff": f"设备部 {rng.randint(4, 30)} 人,两班倒",
        "management": "生产副总分管设备,采购向经营副总汇报",
        "executives": "总经理 55 岁,技术出身,重视长期合作",
        "installed_base": f"现有 {rng.choice(['西门子', 'ABB', '施耐德', '国产'])}设备约 "
                          f"{rng.randint(20, 300)} 台,使用 {rng.randint(3, 12)} 年",
        "business": f"{industry},年营收约 {rng.randint(2, 80)} 亿元",
        "industry_applications": "配电、过程控制、能效管理",
        # 3. sales opportunity
        "purchase_plans": f"{rng.randint(2025, 2026)} 年计划改造 {rng.randint(2, 6)} 条产线",
        "main_problem": rng.choice(["老旧设备故障率高,停机损失大", "能耗超标,面临环保考核",
                                    "Spare parts for the installed base are discontinued"]),
        "decides": "总经理办公会", "sets_specification": "技术部总工",
        "owns_contract_terms": "采购部 + 法务", "installs": "我方授权集成商",
        "maintains": "客户设备部,我方提供二线支持",
        "purchase_timeline": rng.choice(["下季度招标", "年底前完成采购", "明年上半年立项"]),
        "budget": f"约 {rng.randint(50, 800)} 万元",
        "notes": "重点客户,每月至少拜访一次。" if abc == "A" else "",
    }


def _contacts(rng, ids, customer_id, english):
    count = rng.randint(3, 6)
    others = ["purchaser", "technical_evaluator", "coach", "user", "supporter", "gatekeeper",
              "advisor"]
    rng.shuffle(others)
    roles = ["decision_maker"] + others[:count - 1]
    stances = list(domain.STANCES)
    contacts = []
    for position, role in enumerate(roles):
        level, titles_zh, titles_en, dept_zh, dept_en = ROLE_PROFILES[role]
        name = _person(rng, english)
        extra_roles = [role]
        if role == "technical_evaluator" and rng.random() < 0.3:
            extra_roles.append("supporter")
        stance = rng.choices(stances, [2, 3, 5, 5, 3, 2])[0]
        if role == "coach":
            stance = rng.choice(["sympathiser", "ally"])
        contact = {
            "customer_id": customer_id, "name": name,
            "title": rng.choice(titles_en if english else titles_zh),
            "department": dept_en if english else dept_zh,
            "phone": f"1{rng.choice([3, 5, 8])}{rng.randint(0, 9)}{rng.randint(1000_0000, 9999_9999)}",
            "email": f"contact{position + 1}.{customer_id[:6]}@example.com",
            "level": level, "roles": extra_roles, "stance": stance,
            "mindshare": rng.choice(["low", "high"]), "heartshare": rng.choice(["low", "high"]),
            "reports_to_id": None, "notes": rng.choice(CONTACT_NOTES),
        }
        contacts.append((ids(), contact))
    top = contacts[0][0]
    managers = [key for key, c in contacts if c["level"] == "management"]
    for _key, contact in contacts[1:]:
        if contact["level"] == "operations" and managers and contact["roles"][0] != "gatekeeper":
            contact["reports_to_id"] = rng.choice(managers)
        elif contact["roles"][0] != "advisor":
            contact["reports_to_id"] = top
    return contacts


def _personal(rng, customer_id):
    chosen = rng.sample(list(PERSONAL), rng.randint(4, 10))
    return {"customer_id": customer_id, **{field: rng.choice(PERSONAL[field]) for field in chosen}}


def _competitors(rng, customer_id):
    entries = []
    for name, products in rng.sample(COMPETITORS, rng.randint(1, 3)):
        entries.append({
            "customer_id": customer_id, "competitor": name, "product": rng.choice(products),
            "satisfaction": rng.choice(list(domain.SATISFACTION)),
            "rep_name": _person(rng, False), "selling_style": rng.choice(SELLING_STYLES),
            "relationship": rng.choice(RELATIONSHIPS)})
    return entries


def _opportunity(rng, customer_id, owner_id, english, milestone, status, today, competitor_names,
                 stages):
    name_zh, name_en = rng.choice(OPPORTUNITY_NAMES)
    currency = rng.choices(["CNY", "USD", "EUR", "HKD", "JPY"], [80, 8, 6, 3, 3])[0]
    amount = Decimal(rng.randrange(50_000, 5_000_000, 1000))
    if currency == "JPY":
        amount *= 20
    elif currency != "CNY":
        amount = (amount / 7).quantize(Decimal("1000"))
    entered_days = rng.randint(3, 100)
    close = today + timedelta(days=rng.randint(-45, 200))
    if status == "won":
        close = today - timedelta(days=rng.randint(5, 80))
    values = {
        "customer_id": customer_id, "owner_id": owner_id, "name": name_en if english else name_zh,
        "amount": amount, "currency": currency, "expected_close_date": close,
        "buying_stage": BUYING_STAGE_FOR_MILESTONE[milestone],
        "competitors": rng.sample(competitor_names, min(len(competitor_names), rng.randint(0, 2))),
        "notes": rng.choice(["决策链已梳理,需加强与技术部的联系。", "竞争对手已做过两次技术交流。",
                             "客户希望分两期实施。", "The customer wants a fixed-price bid.", ""]),
        # server-authoritative
        "milestone": milestone, "probability": stages[milestone], "status": status,
        "stage_entered_at": _local_dt(today - timedelta(days=entered_days), 10),
        "lost_reason": None, "lost_note": "",
    }
    if status == "lost":
        reason = rng.choice(list(domain.LOST_REASONS))
        values.update(probability=0, lost_reason=reason, lost_note=LOST_NOTES[reason],
                      expected_close_date=today - timedelta(days=rng.randint(5, 60)))
    return values


def _visit(rng, customer_id, author_id, english, kind, day, contact_ids, opportunity_id):
    purposes, notes, outcomes, (low, high), (short, long) = ACTIVITIES[kind]
    cost = Decimal(rng.randrange(low, high + 1, 50)) if high else Decimal(0)
    values = {
        "customer_id": customer_id, "author_id": author_id, "opportunity_id": opportunity_id,
        "type": kind, "contact_ids": contact_ids,
        "occurred_at": _local_dt(day, rng.randint(9, 17), rng.choice([0, 15, 30, 45])),
        "duration_minutes": rng.randrange(short, long + 1, 15),
        "purpose": _pick_text(rng, purposes, english),
        "notes": _pick_text(rng, notes, english),
        "outcome": _pick_text(rng, outcomes, english),
        "cost_amount": cost, "cost_currency": "CNY", "gift_value": Decimal(0),
    }
    if kind == "gift":
        values["gift_value"] = min(cost, Decimal(domain.GIFT_VALUE_CAP - 200))
        values["cost_amount"] = values["gift_value"]
    return values


def _demo_records(rng, users, today, stages):
    """Yield ``(table, id, fields)`` in write order for the whole demo organisation."""
    ids = _Ids(rng)
    reps = [users["rep1@demo"], users["rep2@demo"]]
    kinds = list(domain.ACTIVITY_TYPES)
    for rep_index, rep_id in enumerate(reps):
        # Milestones 1..7 each at least once per rep, a few lost deals, the rest spread.
        plan = [(m, "open") for m in range(1, 6)] + [(6, "won"), (6, "open"), (7, "won")]
        plan += [(rng.randint(2, 5), "lost") for _ in range(3)]
        plan += [(rng.choice([1, 2, 2, 3, 3, 4, 5]), "open") for _ in range(8)]
        rng.shuffle(plan)
        customers = []
        for index, entry in enumerate(CUSTOMERS[rep_index]):
            customer_id = ids()
            english = entry[5]
            yield "customers", customer_id, customer_profile(rng, entry, index, rep_id)
            competitor_names = []
            for competitor in _competitors(rng, customer_id):
                competitor_names.append(competitor["competitor"])
                yield "competitors", ids(), competitor
            contacts = _contacts(rng, ids, customer_id, english)
            for contact_id, contact in contacts:
                yield "contacts", contact_id, contact
            for contact_id, _contact in contacts:
                if rng.random() < 0.45:
                    yield "contact_personal", contact_id, _personal(rng, customer_id)
            customers.append((customer_id, english, [key for key, _ in contacts], competitor_names))
        # Opportunities: at least one per customer, plan items distributed round the list.
        opportunities = {customer_id: [] for customer_id, *_ in customers}
        for position, (milestone, status) in enumerate(plan):
            customer_id, english, _contacts_, competitor_names = customers[position % len(customers)]
            key = ids()
            opportunities[customer_id].append((key, status))
            yield "opportunities", key, _opportunity(
                rng, customer_id, rep_id, english, milestone, status, today, competitor_names,
                stages)
        # Visits over the last 90 days; every activity type for every rep.
        visit_kinds = kinds * 2 + rng.choices(kinds, [1, 3, 2, 6, 1, 3, 1], k=70)
        for position, kind in enumerate(visit_kinds):
            customer_id, english, contact_ids, _names = customers[position % len(customers)]
            day = today - timedelta(days=rng.randint(0, 89))
            attended = rng.sample(contact_ids, rng.randint(1, min(3, len(contact_ids))))
            if kind in ("exhibition", "site_visit"):
                attended = rng.sample(contact_ids, min(len(contact_ids), rng.randint(2, 4)))
            open_deals = [k for k, s in opportunities[customer_id] if s == "open"]
            linked = rng.choice(open_deals) if open_deals and rng.random() < 0.7 else None
            visit_id = ids()
            yield "visits", visit_id, _visit(rng, customer_id, rep_id, english, kind, day,
                                             attended, linked)
            if kind == "gift" or rng.random() < 0.35:
                continue
            what, checkpoint = rng.choice(TASKS)
            due = day + timedelta(days=rng.randint(3, 21))
            if position % 11 == 0:
                due = today  # some due today
            done = due < today and rng.random() < 0.6
            yield "tasks", ids(), {
                "customer_id": customer_id, "visit_id": visit_id, "assignee_id": rep_id,
                "what": what, "who": rng.choice(["我方", "客户技术部", "代理商", "Our team"]),
                "due_date": due, "checkpoint": checkpoint, "done": done}


# -- seed-demo -----------------------------------------------------------------------------

def _demo_users_exist(session):
    return session.scalar(sa.select(sa.func.count()).select_from(User)) > 0


def seed_demo(session=None, if_empty=False, today=None, password=DEMO_PASSWORD):
    """Create the stage template and the demo organisation; returns a ``Demo`` or None.

    With ``if_empty`` nothing happens when any user exists (first start only); without
    it, an existing demo user is an error. One transaction; the caller's session is
    committed.
    """
    session = session or db.session
    today = today or datetime.now(UTC).date()
    if if_empty and _demo_users_exist(session):
        return None
    session.commit()  # the sync lock must be the transaction's first statement
    password_hash = hash_password(password)  # Argon2 is slow on purpose: hash once
    bootstrap = Access(user_id="seed", role="admin", team_id=None)
    try:
        with open_changeset(session, bootstrap) as changes:
            # Checked again under the lock: two starts racing seed the demo only once.
            if if_empty and _demo_users_exist(session):
                session.rollback()
                return None
            demo = _seed_in(session, changes, password_hash, today)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return demo


def _seed_in(session, changes, password_hash, today):
    emails = [email for email, _name, _role in DEMO_USERS]
    taken = session.scalars(sa.select(User.email).where(User.email.in_(emails))).all()
    if taken:
        raise AlreadySeeded(f"demo users exist already: {', '.join(sorted(taken))}")
    rng = random.Random(SEED)
    ids = _Ids(rng)
    team = session.scalar(sa.select(Team).where(Team.name == DEMO_TEAM))
    if team is None:
        team = Team(id=ids(), name=DEMO_TEAM, territory="上海、江苏、浙江、安徽")
        session.add(team)
        session.flush()
    users = {}
    for email, name, role in DEMO_USERS:
        user = User(id=ids(), email=email, name=name, role=role, password_hash=password_hash,
                    team_id=None if role == "admin" else team.id, locale="zh-CN")
        session.add(user)
        users[email] = user.id
    session.flush()
    team.manager_id = users["manager@demo"]
    session.flush()
    # From here on the writes are the admin's.
    changes.policy = Access(users["admin@demo"], "admin", None)

    counts = {}
    stages = {stage["number"]: stage["probability"] for stage in DEFAULT_STAGES}
    existing = {row.number: row.probability for row in session.execute(
        sa.select(Stage.number, Stage.probability).where(Stage.deleted.is_(False)))}
    if existing:
        stages.update(existing)
    else:
        for stage in DEFAULT_STAGES:
            stage_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"fieldbook:stage:{stage['key']}"))
            changes.put("stages", stage_id, dict(stage))
            stages[stage["number"]] = stage["probability"]
        counts["stages"] = len(DEFAULT_STAGES)
    for table, key, fields in _demo_records(rng, users, today, stages):
        changes.put(table, key, fields, authoritative=True)
        counts[table] = counts.get(table, 0) + 1
    counts["promotions"] = _demo_promotions(session, changes, users)
    counts["targets"] = _demo_targets(session, users, today)
    changes.policy = Access(users["admin@demo"], "admin", None)
    # One account shared with the other rep (a joint project in both territories).
    shared = session.scalar(sa.select(Customer.id).where(
        Customer.owner_id == users["rep1@demo"]).order_by(Customer.seq).offset(2).limit(1))
    session.add(CustomerShare(customer_id=shared, user_id=users["rep2@demo"]))
    session.flush()
    return Demo(users=users, team_id=team.id, counts=counts)


# Stage promotions of the demo: per rep one pending request (the manager's inbox), one
# approved and one rejected (history). (position among the rep's open deals, decision,
# justification, manager's comment)
DEMO_PROMOTIONS = [
    (0, None, "客户技术部已确认需求,教练提供了决策流程。", ""),
    (1, "approved", "技术交流已完成,总工认可我方方案。", "证据充分,同意晋级。"),
    (2, "rejected", "决策人口头表示倾向我方。", "还没有拜访决策人,请先安排高层拜访再申请。"),
]
DEMO_TARGETS = {"rep1@demo": Decimal(1_200_000), "rep2@demo": Decimal(900_000)}


def _demo_promotions(session, changes, users):
    """Promotion requests as they stand after the fact, one record each (created by the
    seed like every demo record): the requests are the reps', the decisions the
    manager's, the evidence warnings computed by the promotion rules. An approved
    request took its deal to the milestone it holds now, decided when the deal entered
    it; the others start from the deal's current milestone."""
    template = {row.number: row for row in session.scalars(
        sa.select(Stage).where(Stage.deleted.is_(False)))}
    opportunities = changes.registry["opportunities"].table
    rules_off = Registry({**changes.registry.specs, "promotions": replace(
        changes.registry["promotions"], before_write=None, after_write=None)},
        changes.registry.sync)
    seed_registry, changes.registry = changes.registry, rules_off
    made = 0
    for email in ("rep1@demo", "rep2@demo"):
        deals = session.execute(sa.select(opportunities).where(
            opportunities.c.owner_id == users[email], opportunities.c.status == "open",
            opportunities.c.milestone.between(2, 4)).order_by(opportunities.c.seq)).all()
        for position, decision, justification, comment in DEMO_PROMOTIONS:
            deal = deals[position]._asdict()
            start = deal["milestone"] - 1 if decision == "approved" else deal["milestone"]
            target = template[start + 1]
            met = (list(range(len(target.criteria))) if target.criteria_rule == "all"
                   else [0])
            values = {"customer_id": deal["customer_id"], "opportunity_id": deal["id"],
                      "requested_by": users[email], "kind": "promote",
                      "from_milestone": start, "to_milestone": start + 1, "criteria_met": met,
                      "justification": justification, "status": decision or "pending",
                      "decision_comment": comment, "visit_ids": [], "contact_ids": []}
            values["evidence_warnings"] = promotion_rules.evidence_warnings(
                changes, {**deal, "stage_entered_at": deal["stage_entered_at"] - timedelta(
                    days=30) if decision == "approved" else deal["stage_entered_at"]},
                {"evidence": target.evidence}, values)
            if decision is not None:
                values["decided_by"] = users["manager@demo"]
                values["decided_at"] = deal["stage_entered_at"] if decision == "approved" \
                    else deal["stage_entered_at"] + timedelta(days=2)
            key = str(uuid.uuid5(uuid.NAMESPACE_URL, f"fieldbook:promotion:{deal['id']}"))
            changes.put("promotions", key, values, authoritative=True)
            made += 1
    changes.registry = seed_registry
    return made


def _demo_targets(session, users, today):
    """Monthly CNY targets for the reps: this month and the next two, set by the manager."""
    months = []
    year, month = today.year, today.month
    for _ in range(3):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    for email, amount in DEMO_TARGETS.items():
        for month_key in months:
            session.add(Target(id=str(uuid.uuid5(uuid.NAMESPACE_URL,
                                                 f"fieldbook:target:{email}:{month_key}")),
                               user_id=users[email], month=month_key, currency="CNY",
                               amount=amount, set_by=users["manager@demo"]))
    session.flush()
    return len(DEMO_TARGETS) * len(months)


# -- seed_bulk -----------------------------------------------------------------------------

BULK_BATCH = 2000


def seed_bulk(reps=1, customers_per_rep=100, contacts_per_customer=4, visits_per_customer=10,
              session=None, today=None, seed=1):
    """Generate large data fast (benchmarks): Core bulk inserts, one transaction.

    ``reps`` is a number of new reps to create (team "Bulk"), or a list of existing
    users (``User`` objects, ids or emails). Every row still gets its own seq from the
    locked ``sync_state`` counter, field versions, and its (table, id, seq) added to
    ``sync_checksums`` through the ChangeSet's own bookkeeping; there are no audit
    entries (the change log would double the rows). Returns a summary dict.
    """
    session = session or db.session
    today = today or datetime.now(UTC).date()
    started = time.perf_counter()
    session.commit()  # the sync lock must be the transaction's first statement
    try:
        with ChangeSet(session, app_registry, Access("seed", "admin", None),
                       client_id="seed-bulk") as changes:
            # Deterministic for a given database state; a second run gets new ids.
            rng = random.Random(f"{seed}:{changes._head}")
            rep_ids = _bulk_reps(session, reps, rng)
            counts = _bulk_rows(session, changes, rep_ids, customers_per_rep,
                                contacts_per_customer, visits_per_customer, rng, today)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return {"reps": rep_ids, "counts": counts, "seconds": time.perf_counter() - started}


def _bulk_reps(session, reps, rng):
    if not isinstance(reps, int):
        rep_ids = []
        for rep in reps:
            if isinstance(rep, User):
                rep_ids.append(rep.id)
            else:
                user = session.scalar(sa.select(User).where(
                    sa.or_(User.id == str(rep), User.email == str(rep))))
                if user is None:
                    raise ValueError(f"no such user: {rep}")
                rep_ids.append(user.id)
        return rep_ids
    team = session.scalar(sa.select(Team).where(Team.name == "Bulk"))
    if team is None:
        team = Team(name="Bulk", territory="benchmark")
        session.add(team)
        session.flush()
    start = session.scalar(sa.select(sa.func.count()).select_from(User)
                           .where(User.email.like("bulk-rep-%")))
    password_hash = hash_password(uuid.UUID(int=rng.getrandbits(128)).hex)
    users = [User(email=f"bulk-rep-{start + n + 1}@bulk", name=f"Bulk rep {start + n + 1}",
                  role="rep", team_id=team.id, password_hash=password_hash)
             for n in range(reps)]
    session.add_all(users)
    session.flush()
    return [user.id for user in users]


class _BulkWriter:
    """Buffers rows per table and inserts them in batches, tracking seqs and checksums."""

    def __init__(self, session, changes):
        self.session = session
        self.changes = changes
        self.registry = changes.registry
        self.buffers = {}
        self.counts = {}
        self.defaults = {}
        self.now = changes._now()

    def add(self, table_name, key, customer_id, values):
        spec = self.registry[table_name]
        seq = self.changes.next_seq()
        stamp = self.changes.clock.tick()
        row = {**self._defaults(spec.table), "id": key, "seq": seq, "deleted": False,
               "field_versions": {name: stamp for name in values}, "created_at": self.now,
               "updated_at": self.now, "created_by": self.changes.policy.user_id,
               "updated_by": self.changes.policy.user_id, **values}
        self.changes._track(spec, key, customer_id, None, seq)
        buffer = self.buffers.setdefault(table_name, [])
        buffer.append(row)
        self.counts[table_name] = self.counts.get(table_name, 0) + 1
        if len(buffer) >= BULK_BATCH:
            self.flush(table_name)

    def _defaults(self, table):
        """Scalar column defaults: COPY does not apply SQLAlchemy's Python-side ones."""
        if table.name not in self.defaults:
            self.defaults[table.name] = {
                column.name: column.default.arg for column in table.columns
                if column.default is not None and column.default.is_scalar}
        return self.defaults[table.name]

    def flush(self, table_name=None):
        """Insert buffered rows; customers always first, the other tables reference them."""
        self._write("customers")
        for name in [table_name] if table_name else list(self.buffers):
            self._write(name)

    def _write(self, table_name):
        rows = self.buffers.pop(table_name, None)
        if not rows:
            return
        table = self.registry[table_name].table
        if self.session.get_bind().dialect.name != "postgresql":
            self.session.execute(sa.insert(table), rows)
            return
        # psycopg runs executemany as one INSERT per row; COPY is many times faster, and
        # runs on the session's connection, so in the same transaction.
        columns = list(rows[0])
        json_columns = {name for name in columns if isinstance(table.c[name].type, sa.JSON)}
        cursor = self.session.connection().connection.dbapi_connection.cursor()
        names = ", ".join(f'"{name}"' for name in columns)
        with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row([json.dumps(row[name], ensure_ascii=False)
                                if name in json_columns else row[name] for name in columns])


def _bulk_rows(session, changes, rep_ids, customers_per_rep, contacts_per_customer,
               visits_per_customer, rng, today):
    writer = _BulkWriter(session, changes)
    ids = _Ids(rng)
    kinds = list(domain.ACTIVITY_TYPES)
    levels = list(domain.CONTACT_LEVELS)
    roles = list(domain.CONTACT_ROLES)
    stances = list(domain.STANCES)
    flat = [entry for group in CUSTOMERS for entry in group]
    for rep_id in rep_ids:
        for n in range(customers_per_rep):
            customer_id = ids()
            name, city, street, industry, website, _english = flat[n % len(flat)]
            writer.add("customers", customer_id, customer_id, {
                "owner_id": rep_id, "name": f"{name} #{n + 1}", "city": city,
                "address": f"{city}市{street}", "phone": f"021-{rng.randint(5000_0000, 8999_9999)}",
                "email": "", "website": f"https://{website}", "industry": industry,
                "abc_class": rng.choice("ABC"), "loyalty": rng.choice(list(domain.LOYALTY)),
                "relationship_level": rng.choice(list(domain.RELATIONSHIP_LADDER)),
                "potential_profit": rng.choice(["high", "low"]),
                "payback_period": rng.choice(["short", "long"]),
                "key_account_criteria": {}, "is_key_account": False,
                "business": industry, "main_problem": "老旧设备故障率高", "notes": ""})
            contact_ids = []
            for c in range(contacts_per_customer):
                contact_id = ids()
                contact_ids.append(contact_id)
                writer.add("contacts", contact_id, customer_id, {
                    "customer_id": customer_id, "name": _person(rng, False),
                    "title": "", "department": "", "phone": "", "email": "",
                    "level": levels[c % 3], "roles": [roles[c % len(roles)]],
                    "stance": rng.choice(stances), "mindshare": "low", "heartshare": "high",
                    "reports_to_id": contact_ids[0] if c else None, "notes": ""})
            for v in range(visits_per_customer):
                kind = kinds[v % len(kinds)]
                day = today - timedelta(days=rng.randint(0, 89))
                writer.add("visits", ids(), customer_id, {
                    "customer_id": customer_id, "opportunity_id": None, "author_id": rep_id,
                    "type": kind, "contact_ids": contact_ids[:1],
                    "occurred_at": _local_dt(day, 10), "duration_minutes": 60,
                    "purpose": ACTIVITIES[kind][0][0], "notes": ACTIVITIES[kind][1][0],
                    "outcome": "", "cost_amount": Decimal(300), "cost_currency": "CNY",
                    "gift_value": Decimal(300 if kind == "gift" else 0)})
    writer.flush()
    return writer.counts
