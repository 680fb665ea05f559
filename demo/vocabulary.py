"""What the demo's made-up participants and their stories are made of: industries and their
words, brand syllables, agency names, services and expertise, reasons given, the shares of
firms in each state, and the requests firms make."""

from marketplace.choices import Industry
from marketplace.models import Agency

# The plan's priority industries get most firms; "other" stays a small remainder.
INDUSTRY_WEIGHTS = (
    (Industry.INTEGRATED_CIRCUITS, 16),
    (Industry.ARTIFICIAL_INTELLIGENCE, 16),
    (Industry.BIOMEDICINE, 15),
    (Industry.INTELLIGENT_MANUFACTURING, 14),
    (Industry.NEW_ENERGY_VEHICLES, 9),
    (Industry.FUTURE_NETWORKS, 8),
    (Industry.NEW_MATERIALS, 8),
    (Industry.NETWORKS_COMMUNICATIONS, 7),
    (Industry.OTHER, 7),
)

# Per industry: business words of a firm's name, what firms work on, and agency expertise
# (Chinese, English).
INDUSTRY_PROFILES = {
    Industry.INTEGRATED_CIRCUITS: (
        ("微电子科技", "半导体科技", "集成电路设计", "芯片技术"),
        ("车规级MCU芯片", "功率半导体器件", "射频前端芯片", "存储控制芯片", "MEMS传感器"),
        (
            "集成电路、芯片设计、集成电路布图设计、半导体工艺",
            "semiconductor, chip design, layout design",
        ),
    ),
    Industry.INTELLIGENT_MANUFACTURING: (
        ("智能装备", "自动化科技", "机器人科技", "精密制造"),
        ("工业机器人", "智能产线控制系统", "激光加工装备", "工业视觉检测"),
        ("智能制造、工业机器人、数控装备、机械结构", "robotics, automation, machinery"),
    ),
    Industry.BIOMEDICINE: (
        ("生物医药科技", "医疗器械", "生物技术", "药业科技"),
        ("抗体药物", "体外诊断试剂", "基因检测", "微创手术器械", "细胞治疗"),
        ("生物医药、化学药、医疗器械、基因技术", "biomedicine, pharmaceuticals, medical devices"),
    ),
    Industry.NEW_ENERGY_VEHICLES: (
        ("新能源科技", "动力电池科技", "电驱动技术", "汽车电子"),
        ("动力电池管理系统", "电驱动总成", "车载充电机", "智能座舱"),
        ("新能源汽车、动力电池、电机电控、汽车电子", "new-energy vehicles, batteries"),
    ),
    Industry.ARTIFICIAL_INTELLIGENCE: (
        ("人工智能科技", "智能科技", "信息技术", "数据科技"),
        ("计算机视觉", "大模型应用", "智能语音", "知识图谱"),
        ("人工智能、算法、软件、计算机视觉", "artificial intelligence, software, algorithms"),
    ),
    Industry.FUTURE_NETWORKS: (
        ("网络科技", "未来网络技术", "云计算科技", "边缘计算技术"),
        ("软件定义网络", "确定性网络", "边缘计算平台", "网络安全"),
        ("未来网络、软件定义网络、云计算、网络安全", "future networks, SDN, cloud"),
    ),
    Industry.NEW_MATERIALS: (
        ("新材料科技", "材料技术", "纳米科技", "复合材料"),
        ("石墨烯材料", "高性能复合材料", "光电功能材料", "特种涂层"),
        ("新材料、高分子、纳米材料、化学工艺", "materials, chemistry, nanomaterials"),
    ),
    Industry.NETWORKS_COMMUNICATIONS: (
        ("通信科技", "通信技术", "光电科技", "物联网科技"),
        ("5G小基站", "光通信模块", "物联网终端", "卫星通信"),
        ("通信、5G、物联网、光通信、标准必要专利", "telecommunications, 5G, IoT, SEP"),
    ),
    Industry.OTHER: (
        ("科技", "信息科技", "环保科技", "文化科技"),
        ("环保监测设备", "数字文创", "企业管理软件", "智慧农业"),
        ("环保、文化创意、软件、商业方法", "software, environmental, creative industries"),
    ),
}

# Brand syllables with their pinyin (each unique), for Chinese names and agencies' English names.
BRAND_FIRST = (
    ("智", "Zhi"),
    ("康", "Kang"),
    ("云", "Yun"),
    ("恒", "Heng"),
    ("华", "Hua"),
    ("金", "Jin"),
    ("瑞", "Rui"),
    ("鼎", "Ding"),
    ("博", "Bo"),
    ("天", "Tian"),
    ("新", "Xin"),
    ("中", "Zhong"),
    ("宏", "Hong"),
    ("思", "Si"),
    ("远", "Yuan"),
    ("明", "Ming"),
    ("海", "Hai"),
    ("正", "Zheng"),
    ("通", "Tong"),
    ("汇", "Hui"),
    ("启", "Qi"),
    ("星", "Xing"),
    ("卓", "Zhuo"),
    ("朗", "Lang"),
    ("凯", "Kai"),
    ("聚", "Ju"),
    ("嘉", "Jia"),
    ("乐", "Le"),
    ("宁", "Ning"),
    ("领", "Ling"),
)
BRAND_SECOND = (
    ("芯", "xin"),
    ("源", "yuan"),
    ("图", "tu"),
    ("创", "chuang"),
    ("科", "ke"),
    ("达", "da"),
    ("联", "lian"),
    ("泰", "tai"),
    ("宁", "ning"),
    ("辰", "chen"),
    ("维", "wei"),
    ("航", "hang"),
    ("数", "shu"),
    ("合", "he"),
    ("盛", "sheng"),
    ("驰", "chi"),
    ("峰", "feng"),
    ("拓", "tuo"),
    ("益", "yi"),
    ("诚", "cheng"),
    ("安", "an"),
    ("邦", "bang"),
    ("晖", "hui"),
    ("德", "de"),
    ("润", "run"),
    ("光", "guang"),
    ("睿", "rui"),
    ("捷", "jie"),
    ("凌", "ling"),
    ("跃", "yue"),
)

# (Chinese pattern, English pattern) per agency kind; {b} is the brand.
AGENCY_NAME_PATTERNS = {
    Agency.Kind.PATENT_AGENCY: (
        ("南京{b}专利代理事务所（普通合伙）", "Nanjing {B} Patent Agency"),
        ("江苏{b}知识产权代理有限公司", "Jiangsu {B} IP Agency Co., Ltd."),
        ("南京{b}知识产权代理有限公司", "Nanjing {B} IP Agency Co., Ltd."),
    ),
    Agency.Kind.TRADEMARK_AGENCY: (
        ("南京{b}商标代理有限公司", "Nanjing {B} Trademark Agency Co., Ltd."),
        ("江苏{b}知识产权服务有限公司", "Jiangsu {B} IP Services Co., Ltd."),
    ),
    Agency.Kind.LAW_FIRM: (
        ("江苏{b}律师事务所", "Jiangsu {B} Law Firm"),
        ("南京{b}律师事务所", "Nanjing {B} Law Firm"),
    ),
}

# (items every agency of the kind offers, items some of them offer)
AGENCY_SERVICES = {
    Agency.Kind.PATENT_AGENCY: (
        (
            "ip-diagnosis",
            "patent-search",
            "patent-filing",
            "utility-filing",
            "annual-fee-monitoring",
        ),
        (
            "ip-strategy",
            "ip-training",
            "patent-mining",
            "patent-navigation",
            "tech-monitoring",
            "deadline-management",
            "ip-valuation",
            "tech-transfer",
            "infringement-alert",
            "software-copyright",
            "gbt-coaching",
            "trademark-filing",
        ),
    ),
    Agency.Kind.TRADEMARK_AGENCY: (
        ("trademark-filing", "trademark-monitoring", "ip-diagnosis"),
        (
            "ip-training",
            "software-copyright",
            "deadline-management",
            "rights-enforcement",
            "infringement-alert",
            "ip-strategy",
        ),
    ),
    Agency.Kind.LAW_FIRM: (
        ("rights-enforcement", "infringement-alert", "ip-strategy"),
        (
            "ip-training",
            "tech-transfer",
            "ip-financing",
            "ip-valuation",
            "trademark-monitoring",
            "ip-diagnosis",
        ),
    ),
}

# Per kind of agency: its services' expertise (Chinese, English).
AGENCY_KIND_EXPERTISE = {
    Agency.Kind.PATENT_AGENCY: (
        "专利挖掘、专利申请、审查意见答复、专利无效",
        "patent drafting, prosecution",
    ),
    Agency.Kind.TRADEMARK_AGENCY: (
        "商标注册、商标监测、商标异议、品牌保护",
        "trademark filing, watch, opposition",
    ),
    Agency.Kind.LAW_FIRM: (
        "知识产权诉讼、侵权维权、技术合同、许可谈判",
        "IP litigation, enforcement, licensing",
    ),
}

FIRM_REJECTION_REASONS = (
    "未能提供有效的入孵协议。",
    "营业执照注册地址不在本孵化器。",
    "企业已于去年毕业迁出孵化器。",
    "提交的统一社会信用代码与营业执照不一致。",
)
AGENCY_REJECTION_REASONS = (
    "申报材料中的执业许可证主体与营业执照不一致。",
    "近三年无知识产权代理业绩，暂不符合入库条件。",
)
AGENCY_SUSPENSION_REASONS = (
    "年度服务质量评价不合格，暂停派单待整改。",
    "执业许可证变更未及时备案，暂停派单。",
)


# The programme opened at least this long before the seed's today, so that requests,
# offers and their working-day deadlines have a history to sit in.
HISTORY_DAYS = 60

# Shares of the verified firms in each state of the open programme year; the rest
# have not asked for custody yet.
ENGAGED_SHARE = 0.40
OPEN_SHARE = 0.20
OFFERED_SHARE = 0.04
WITHDRAWN_SHARE = 0.015
# Pending offers that go to the demo agency, so its inbox has something to answer.
DEMO_AGENCY_PENDING = 3
# Open requests in the demo manager's incubator, of which the first two are recent.
DEMO_INCUBATOR_OPEN = 4
# Late in the year every agency but the demo agency (which keeps room for visitors) has a
# few places left: the firms waiting for the cohort allocation compete for them.
PLACES_LEFT = (1, 2)
# The first firms sit in the demo manager's incubator: the demo firm, a sign-up to
# confirm, and verified firms enough for those open requests at any size.
DEMO_INCUBATOR_FIRMS = 2 + DEMO_INCUBATOR_OPEN + 2

# Extras a firm may add to the standard package; patent agencies serve all of them.
STANDARD_EXTRAS = ("patent-filing", "patent-navigation", "software-copyright", "ip-valuation")
# Narrower requests: brand work (trademark agencies) and enforcement (law firms).
BRAND_ITEMS = (
    ("ip-diagnosis", 1),
    ("ip-strategy", 2),
    ("ip-training", 1),
    ("trademark-filing", 2),
    ("deadline-management", 10),
    ("infringement-alert", 1),
)
PROTECTION_ITEMS = (
    ("ip-strategy", 4),
    ("ip-training", 1),
    ("infringement-alert", 1),
    ("rights-enforcement", 1),
)
REQUEST_SHAPES = (("standard", 62), ("extras", 23), ("brand", 10), ("protection", 5))
NEEDS = {
    "standard": "希望围绕{focus}梳理现有技术成果，做好专利和商标布局，并托管年费和各类期限。",
    "extras": "{focus}即将进入量产，除标准托管外还需要{extras}。",
    "brand": "产品即将上市，重点需要商标注册、期限管理和侵权预警。",
    "protection": "发现同行疑似仿制我们的{focus}，需要侵权分析和维权支持。",
}
DECLINE_REASONS = (
    "本季度托管客户已满，难以保证服务质量。",
    "企业技术领域与我所代理人的专业方向不符。",
    "企业所在区距离较远，无法提供驻场服务。",
    "与我所现有客户存在潜在竞争关系，暂不承接。",
)
WITHDRAW_REASONS = (
    "公司决定暂缓托管，明年再申请。",
    "已自行委托其他代理机构，不再需要托管。",
)
CONFLICT_NOTES = (
    "本所长期代理该企业主要竞争对手的专利业务。",
    "本所合伙人持有该企业股份。",
    "本所正代理针对该企业的专利无效宣告请求。",
)
CHANGE_REASONS = (
    "现代理机构响应较慢，希望更换为同区机构便于沟通。",
    "公司转向海外市场，需要熟悉PCT申请的代理机构。",
)
# How a firm picks among its ranked candidates: mostly the first, sometimes the next ones.
PICK_WEIGHTS = (40, 25, 15, 12, 8)


def agency_expertise(industries, kind):
    """An agency's expertise in (Chinese, English): its industries' words, then its kind's."""
    texts = [INDUSTRY_PROFILES[Industry(code)][2] for code in industries]
    texts.append(AGENCY_KIND_EXPERTISE[kind])
    return "、".join(zh for zh, _en in texts), ", ".join(en for _zh, en in texts)
