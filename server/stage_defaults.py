"""The default stage template: the seven PSM milestones of domain.md section 6.

Seeded on first start; admins edit the copy in the database afterwards.
``criteria_rule`` is ``"all"`` or ``"any"`` (the source's 符合其中一条即可).
``evidence`` holds the rules the app checks before a promotion request is sent:
``visit_in_stage`` (a visit logged since the opportunity entered the stage) and
``roles_any`` (at least one contact with one of these decision-chain roles).
"""


def _items(*pairs):
    return [{"en": en, "zh": zh} for en, zh in pairs]


DEFAULT_STAGES = [
    {
        "number": 1, "key": "project_approval", "name_en": "Project approval", "name_zh": "项目立项",
        "probability": 5, "stall_days": 30, "criteria_rule": "all",
        "definition_en": "The project has been reviewed, meets the conditions for approval and is "
                         "formally tracked.",
        "definition_zh": "项目经审核符合立项的条件,开始进入正式跟踪。",
        "criteria": _items(
            ("The customer's need is basically clear", "客户需求基本明确"),
            ("The value positioning matches our product", "价值定位与公司产品的定位基本相符"),
            ("The approval request is approved by the company", "项目立项申请获得公司批准"),
        ),
        "checklist": _items(
            ("Fill in the customer's background profile", "完善客户背景资料"),
            ("Identify the using, purchasing and supporting departments",
             "明确使用部门、采购部门和支持部门"),
            ("Submit the project approval request", "提交项目立项申请"),
        ),
        "evidence": {"visit_in_stage": False, "roles_any": []},
    },
    {
        "number": 2, "key": "deep_contact", "name_en": "Deep contact", "name_zh": "深度接触",
        "probability": 10, "stall_days": 45, "criteria_rule": "all",
        "definition_en": "The decision chain is mapped and a coach tells us about the decision "
                         "process.",
        "definition_zh": "决策链已明确,并发展了内部教练。",
        "criteria": _items(
            ("Decision-chain characteristics confirmed through several channels",
             "通过多种渠道确认决策链特征"),
            ("A coach developed at middle or base level", "在中基层发展了线人(教练)"),
            ("Competitors' relationships with the customer are known", "了解竞争对手的客户关系"),
        ),
        "checklist": _items(
            ("Draw the customer's organisation chart", "绘制客户组织结构图"),
            ("Record each contact's stance toward us", "记录每位联系人对我方的态度"),
            ("Make a PR plan that is timely and feasible", "制定及时可行的公关计划"),
        ),
        "evidence": {"visit_in_stage": True, "roles_any": ["coach"]},
    },
    {
        "number": 3, "key": "technical_breakthrough_1", "name_en": "Technical breakthrough 1",
        "name_zh": "技术突破1", "probability": 25, "stall_days": 45, "criteria_rule": "any",
        "definition_en": "The technical evaluators accept our solution as a serious option.",
        "definition_zh": "技术评估人员认可我方方案为重要选项。",
        "criteria": _items(
            ("Technical exchange held at the customer's site", "在客户现场完成技术交流"),
            ("Test or samples accepted by the technical evaluator", "测试或样品获得技术人员认可"),
            ("Our specifications appear in the customer's draft", "我方指标写入客户技术方案草稿"),
        ),
        "checklist": _items(
            ("Plan a technical exchange", "安排技术交流"),
            ("Offer a test environment or samples", "提供测试环境或样品"),
        ),
        "evidence": {"visit_in_stage": True, "roles_any": ["technical_evaluator", "coach"]},
    },
    {
        "number": 4, "key": "technical_breakthrough_2", "name_en": "Technical breakthrough 2",
        "name_zh": "技术突破2", "probability": 50, "stall_days": 60, "criteria_rule": "any",
        "definition_en": "The purchase specification favours us and the decision maker knows our "
                         "value.",
        "definition_zh": "采购指标有利于我方,决策人认可我方价值。",
        "criteria": _items(
            ("The purchase specification favours us", "采购指标明显有利于我方"),
            ("A site visit to a reference customer was made", "完成参观考察样板客户"),
            ("The decision maker states a preference for us", "决策人明确表示倾向我方"),
        ),
        "checklist": _items(
            ("Invite the decision maker on a site visit", "邀请决策人参观考察"),
            ("Confirm the evaluation rules", "确认评标规则"),
        ),
        "evidence": {"visit_in_stage": True, "roles_any": ["decision_maker", "coach"]},
    },
    {
        "number": 5, "key": "business_breakthrough", "name_en": "Business breakthrough",
        "name_zh": "商务突破", "probability": 75, "stall_days": 45, "criteria_rule": "any",
        "definition_en": "The key decision maker becomes a firm supporter of our brand and takes "
                         "action for us.",
        "definition_zh": "使业主方的关键决策人变成品牌的坚定支持者并采取实际行动。",
        "criteria": _items(
            ("We are invited to bid on our terms", "按我方要求邀请参加投标单位"),
            ("The tender favours us", "招标书有利于我方或有明显倾向性"),
            ("The key decision maker introduces a suitable agent", "甲方决策关键人主动为我们引荐合适的代理商"),
            ("The key decision maker gives us important intelligence", "甲方决策关键人主动向我们提供重要情报"),
            ("The key decision maker plans the bid with us", "甲方决策关键人与我们共同谋划投标行动方案"),
        ),
        "checklist": _items(
            ("Know the evaluation committee", "了解评标委员会"),
            ("Set the bottom line and the target price", "确定底线和目标价格"),
            ("Prepare the commercial strategy and quote", "准备商务策略和报价"),
        ),
        "evidence": {"visit_in_stage": True, "roles_any": ["decision_maker"]},
    },
    {
        "number": 6, "key": "contract_signed", "name_en": "Contract signed", "name_zh": "合同签订",
        "probability": 100, "stall_days": 30, "criteria_rule": "any",
        "definition_en": "All interference removed; the purchase contract is signed.",
        "definition_zh": "排除所有干扰,最终与代理商签订采购合同。",
        "criteria": _items(("Both parties' seals confirmed", "合同双方盖章确认")),
        "checklist": _items(
            ("Prepare the contract documents", "准备相关的合同文件"),
            ("Help sales admin with the pre-signing steps", "协助销管办理合同签订之前的手续"),
            ("Help the agent sign with the customer", "协助代理商与甲方签订代理协议"),
            ("Confirm whether to order early", "关注项目进度,确认是否提前订货"),
            ("Chase a late agent through the customer's technical decision maker",
             "通过甲方技术决策人催促拖延的代理商"),
        ),
        "evidence": {"visit_in_stage": False, "roles_any": []},
    },
    {
        "number": 7, "key": "contract_execution", "name_en": "Contract execution",
        "name_zh": "合同执行", "probability": 100, "stall_days": 90, "criteria_rule": "all",
        "definition_en": "Delivery, installation and acceptance under the signed contract.",
        "definition_zh": "按合同交付、安装并完成验收。",
        "criteria": _items(
            ("Goods delivered", "货物已交付"),
            ("Installation accepted by the customer", "安装获得客户验收"),
        ),
        "checklist": _items(
            ("Coordinate delivery with logistics", "与物流部门协作按时交付"),
            ("Follow up after-sales service", "跟进售后服务"),
        ),
        "evidence": {"visit_in_stage": False, "roles_any": []},
    },
]
