"""The demo programme: a realistic, deterministic Nanjing data set for trying the portals.

`seed()` fills an empty database in one transaction: high-tech parks,
incubators with their managers, the service catalogue, this year's programme
with its package, agencies with licences and staff, firms with members, the
four demo logins, and the open programme year's contracting: custody requests
(engaged, waiting for an agency, open for cohort allocation, withdrawn), their
offers (accepted, declined, expired, pending until a working-day deadline),
engagements with their items and amounts, declared conflicts of interest, a
change of agency waiting for the office, and the notices and audit events
that the same states reached through `marketplace.actions` would have
written, at the moments they happened. Rows go in with bulk inserts so that
thousands of firms take seconds; each row is validated with `full_clean()`
first, and the database enforces uniqueness and check constraints on insert.
The same seed and sizes give the same data on the same day.

The demo firm is verified, eligible and has no request yet, and the demo
agency offers every item with capacity to spare, so a visitor can walk the
journey apply → choose → accept with the demo logins.
"""

import datetime
import random
import statistics
import time
from dataclasses import dataclass, field, replace
from decimal import ROUND_CEILING, Decimal

import numpy as np
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.db import connections, router, transaction
from django.utils import timezone, translation
from django.utils.formats import date_format

from core.models import AuditEvent, Notification
from demo.custody import seed_workspace
from demo.payments import seed_engagement_payments
from marketplace import matching
from marketplace.actions import engagements as engagement_actions
from marketplace.actions import offers as offer_actions
from marketplace.choices import (
    DISTRICT_NEIGHBOURS,
    INDUSTRY_KEYWORDS,
    CustodyArea,
    District,
    Industry,
    RevenueBand,
)
from marketplace.credit_codes import make_credit_code
from marketplace.models import (
    Agency,
    AgencyChange,
    ConflictOfInterest,
    CustodyRequest,
    Engagement,
    EngagementItem,
    Firm,
    HighTechPark,
    Incubator,
    Offer,
    PackageItem,
    ProgrammeYear,
    RequestItem,
    ServiceItem,
    User,
)

# Published on purpose: README and `make run` print the demo logins.
DEMO_PASSWORD = "ipcustody-demo"
DEMO_EMAIL_DOMAIN = "demo.ipcustody.local"
DEFAULT_FIRMS = 120
DEFAULT_AGENCIES = 24
DEFAULT_INCUBATORS = 12
DEFAULT_SEED = 2026


@dataclass(frozen=True)
class DemoLogin:
    role: str
    username: str
    display_name: str


DEMO_LOGINS = (
    DemoLogin(User.Role.FIRM_MEMBER, "demo-firm", "李娜"),
    DemoLogin(User.Role.AGENCY_STAFF, "demo-agency", "张伟"),
    DemoLogin(User.Role.INCUBATOR_MANAGER, "demo-manager", "刘洋"),
    DemoLogin(User.Role.PROGRAMME_OFFICER, "demo-officer", "王静"),
    # Created with the training content by `seed_cms`, which seed_demo runs last.
    DemoLogin(User.Role.CMS_EDITOR, "demo-editor", "陈编辑"),
)

DISTRICT_NAMES_ZH = {
    District.XUANWU: "玄武区",
    District.QINHUAI: "秦淮区",
    District.JIANYE: "建邺区",
    District.GULOU: "鼓楼区",
    District.PUKOU: "浦口区",
    District.QIXIA: "栖霞区",
    District.YUHUATAI: "雨花台区",
    District.JIANGNING: "江宁区",
    District.LUHE: "六合区",
    District.LISHUI: "溧水区",
    District.GAOCHUN: "高淳区",
}

ROADS = {
    District.XUANWU: ("玄武大道", "龙蟠路", "徐庄路", "中山东路"),
    District.QINHUAI: ("永智路", "中山南路", "秦淮路"),
    District.JIANYE: ("江东中路", "庐山路", "嘉陵江东街"),
    District.GULOU: ("汉中路", "中山北路", "广州路", "模范马路"),
    District.PUKOU: ("学府路", "星火路", "浦滨路", "天华路"),
    District.QIXIA: ("文澜路", "紫东路", "仙林大道"),
    District.YUHUATAI: ("软件大道", "花神大道", "凤集大道"),
    District.JIANGNING: ("双龙大道", "天元西路", "将军大道", "智识路"),
    District.LUHE: ("雄州路", "龙池路"),
    District.LISHUI: ("珍珠南路", "秦淮大街"),
    District.GAOCHUN: ("宝塔路", "双高路"),
}

# (key, name, English name, district)
PARKS = (
    (
        "jiangbei",
        "江北新区研创园",
        "Jiangbei New Area Research and Innovation Park",
        District.PUKOU,
    ),
    (
        "nanjing-hitech",
        "南京高新技术产业开发区",
        "Nanjing National Hi-tech Industrial Development Zone",
        District.PUKOU,
    ),
    (
        "jiangning",
        "江宁开发区",
        "Jiangning Economic and Technological Development Zone",
        District.JIANGNING,
    ),
    ("xuzhuang", "徐庄软件园", "Xuzhuang Software Park", District.XUANWU),
    (
        "zijin",
        "紫金（新港）科创特别社区",
        "Zijin (Xingang) Special Innovation Community",
        District.QIXIA,
    ),
    ("qilin", "麒麟科创园", "Qilin Science and Technology Innovation Park", District.JIANGNING),
    ("software-valley", "中国（南京）软件谷", "China (Nanjing) Software Valley", District.YUHUATAI),
    ("baixia", "白下高新技术产业园区", "Baixia Hi-tech Industrial Park", District.QINHUAI),
    (
        "jianye",
        "建邺高新技术产业开发区",
        "Jianye Hi-tech Industrial Development Zone",
        District.JIANYE,
    ),
    (
        "gulou",
        "鼓楼高新技术产业开发区",
        "Gulou Hi-tech Industrial Development Zone",
        District.GULOU,
    ),
)

_NATIONAL = Incubator.Level.NATIONAL
_PROVINCIAL = Incubator.Level.PROVINCIAL
_MUNICIPAL = Incubator.Level.MUNICIPAL

# (name, English name, level, district, park key); the first is the demo manager's.
INCUBATORS = (
    (
        "南京生物医药谷加速器",
        "Nanjing Biomedicine Valley Accelerator",
        _NATIONAL,
        District.PUKOU,
        "jiangbei",
    ),
    (
        "江北新区集成电路设计孵化器",
        "Jiangbei IC Design Incubator",
        _NATIONAL,
        District.PUKOU,
        "jiangbei",
    ),
    (
        "徐庄软件园创业服务中心",
        "Xuzhuang Software Park Venture Centre",
        _NATIONAL,
        District.XUANWU,
        "xuzhuang",
    ),
    (
        "紫金（新港）科技创业特别社区孵化器",
        "Zijin (Xingang) Innovation Incubator",
        _PROVINCIAL,
        District.QIXIA,
        "zijin",
    ),
    (
        "麒麟科创园创新孵化器",
        "Qilin Innovation Incubator",
        _PROVINCIAL,
        District.JIANGNING,
        "qilin",
    ),
    (
        "江宁开发区高新技术创业服务中心",
        "Jiangning Development Zone Hi-tech Venture Centre",
        _NATIONAL,
        District.JIANGNING,
        "jiangning",
    ),
    (
        "南京高新技术创业服务中心",
        "Nanjing Hi-tech Venture Service Centre",
        _NATIONAL,
        District.PUKOU,
        "nanjing-hitech",
    ),
    (
        "南京大学科技园孵化器",
        "Nanjing University Science Park Incubator",
        _NATIONAL,
        District.GULOU,
        "gulou",
    ),
    (
        "软件谷科技创业中心",
        "Software Valley Tech Venture Centre",
        _PROVINCIAL,
        District.YUHUATAI,
        "software-valley",
    ),
    ("溧水科技创业服务中心", "Lishui Tech Venture Centre", _MUNICIPAL, District.LISHUI, None),
    (
        "建邺高新区创新创业中心",
        "Jianye Hi-tech Innovation Centre",
        _PROVINCIAL,
        District.JIANYE,
        "jianye",
    ),
    ("高淳科创孵化基地", "Gaochun Innovation Incubation Base", _MUNICIPAL, District.GAOCHUN, None),
    ("白下高新区科技孵化器", "Baixia Hi-tech Incubator", _PROVINCIAL, District.QINHUAI, "baixia"),
    (
        "东南大学科技园孵化器",
        "Southeast University Science Park Incubator",
        _NATIONAL,
        District.XUANWU,
        None,
    ),
    (
        "六合经济开发区科创中心",
        "Luhe Development Zone Innovation Centre",
        _MUNICIPAL,
        District.LUHE,
        None,
    ),
    ("仙林大学城创业园", "Xianlin University Town Venture Park", _PROVINCIAL, District.QIXIA, None),
)

# Names for incubators beyond the fixed list: park + theme + kind.
INCUBATOR_THEMES = (
    ("人工智能", "AI"),
    ("智能制造", "Intelligent Manufacturing"),
    ("新材料", "New Materials"),
    ("未来网络", "Future Networks"),
    ("生命健康", "Life Sciences"),
    ("数字经济", "Digital Economy"),
    ("青年创业", "Youth Venture"),
    ("海外人才", "Overseas Talent"),
)
INCUBATOR_KINDS = (("孵化器", "Incubator"), ("众创空间", "Maker Space"), ("加速器", "Accelerator"))


@dataclass(frozen=True)
class CatalogueItem:
    code: str
    area: str
    name: str
    name_en: str
    unit: str
    unit_price: str
    description: str


_U = ServiceItem.Unit
CATALOGUE = (
    CatalogueItem(
        "ip-diagnosis",
        CustodyArea.CONSULTING,
        "知识产权诊断",
        "IP diagnosis",
        _U.REPORTS,
        "3000",
        "梳理企业技术成果与知识产权现状，出具诊断报告和布局建议。",
    ),
    CatalogueItem(
        "ip-strategy",
        CustodyArea.CONSULTING,
        "知识产权战略咨询",
        "IP strategy consulting",
        _U.HOURS,
        "500",
        "围绕融资、上市或出海等节点提供知识产权策略咨询。",
    ),
    CatalogueItem(
        "gbt-coaching",
        CustodyArea.CONSULTING,
        "知识产权管理体系贯标辅导",
        "IP management standard (GB/T 29490) coaching",
        _U.TIMES,
        "8000",
        "辅导企业建立并运行知识产权管理体系。",
    ),
    CatalogueItem(
        "ip-training",
        CustodyArea.TRAINING,
        "知识产权培训",
        "IP training session",
        _U.SESSIONS,
        "1500",
        "面向研发和管理人员的知识产权基础与实务培训。",
    ),
    CatalogueItem(
        "patent-mining",
        CustodyArea.TRAINING,
        "专利挖掘辅导",
        "Patent mining workshop",
        _U.SESSIONS,
        "2000",
        "与研发团队一起从项目中挖掘可申请专利的技术点。",
    ),
    CatalogueItem(
        "patent-search",
        CustodyArea.INFORMATION,
        "专利检索分析",
        "Patent search and analysis",
        _U.REPORTS,
        "1500",
        "针对研发方向开展查新检索和风险分析。",
    ),
    CatalogueItem(
        "patent-navigation",
        CustodyArea.INFORMATION,
        "专利导航",
        "Patent navigation",
        _U.REPORTS,
        "8000",
        "分析产业专利态势，为技术路线和布局提供导航报告。",
    ),
    CatalogueItem(
        "tech-monitoring",
        CustodyArea.INFORMATION,
        "技术竞争情报监测",
        "Competitive technology watch",
        _U.REPORTS,
        "1000",
        "定期推送竞争对手和重点技术领域的专利动态。",
    ),
    CatalogueItem(
        "patent-filing",
        CustodyArea.FILING,
        "发明专利申请",
        "Invention patent filing",
        _U.FILINGS,
        "4500",
        "撰写并提交发明专利申请，答复审查意见。",
    ),
    CatalogueItem(
        "utility-filing",
        CustodyArea.FILING,
        "实用新型专利申请",
        "Utility model filing",
        _U.FILINGS,
        "2500",
        "撰写并提交实用新型专利申请。",
    ),
    CatalogueItem(
        "trademark-filing",
        CustodyArea.FILING,
        "商标注册申请",
        "Trademark filing",
        _U.FILINGS,
        "800",
        "商标查询、类别规划和注册申请。",
    ),
    CatalogueItem(
        "software-copyright",
        CustodyArea.FILING,
        "软件著作权登记",
        "Software copyright registration",
        _U.FILINGS,
        "600",
        "整理源代码和说明文档，办理计算机软件著作权登记。",
    ),
    CatalogueItem(
        "annual-fee-monitoring",
        CustodyArea.MAINTENANCE,
        "年费监控",
        "Annual-fee monitoring",
        _U.ASSETS,
        "100",
        "监控专利年费期限，提前提醒并代办缴费。",
    ),
    CatalogueItem(
        "deadline-management",
        CustodyArea.MAINTENANCE,
        "期限管理与提醒",
        "Deadline management",
        _U.ASSETS,
        "80",
        "管理审查答复、商标续展等法定期限。",
    ),
    CatalogueItem(
        "ip-valuation",
        CustodyArea.COMMERCIALISATION,
        "知识产权价值评估",
        "IP valuation",
        _U.REPORTS,
        "5000",
        "为融资、作价入股或转让评估知识产权价值。",
    ),
    CatalogueItem(
        "ip-financing",
        CustodyArea.COMMERCIALISATION,
        "知识产权质押融资辅导",
        "IP-backed financing support",
        _U.TIMES,
        "3000",
        "对接银行和担保机构，辅导办理知识产权质押融资。",
    ),
    CatalogueItem(
        "tech-transfer",
        CustodyArea.COMMERCIALISATION,
        "专利转让许可对接",
        "Patent transfer and licensing brokerage",
        _U.TIMES,
        "2000",
        "撮合专利转让、许可并协助签订技术合同。",
    ),
    CatalogueItem(
        "infringement-alert",
        CustodyArea.PROTECTION,
        "侵权预警",
        "Infringement alert",
        _U.REPORTS,
        "2000",
        "产品上市或参展前开展侵权风险排查和预警。",
    ),
    CatalogueItem(
        "trademark-monitoring",
        CustodyArea.PROTECTION,
        "商标监测",
        "Trademark watch",
        _U.REPORTS,
        "800",
        "监测近似商标申请，及时提出异议。",
    ),
    CatalogueItem(
        "rights-enforcement",
        CustodyArea.PROTECTION,
        "维权援助",
        "Enforcement assistance",
        _U.TIMES,
        "5000",
        "发生侵权纠纷时提供取证、投诉和诉讼支持。",
    ),
)

# (item code, quota, in the standard package)
PACKAGE = (
    ("ip-diagnosis", 1, True),
    ("ip-strategy", 4, True),
    ("ip-training", 2, True),
    ("patent-search", 1, True),
    ("utility-filing", 1, True),
    ("trademark-filing", 2, True),
    ("annual-fee-monitoring", 10, True),
    ("deadline-management", 10, True),
    ("infringement-alert", 1, True),
    ("patent-navigation", 1, False),
    ("patent-filing", 1, False),
    ("software-copyright", 2, False),
    ("ip-valuation", 1, False),
    ("ip-financing", 1, False),
    ("rights-enforcement", 1, False),
)

STANDARD_CODES = tuple(code for code, _quota, standard in PACKAGE if standard)

PROGRAMME_TARGET_FIRMS = 2000
PROGRAMME_GOVERNMENT_SHARE = Decimal("0.800")
PROGRAMME_COPAY_CAP = Decimal("3000.00")

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

# Per industry: business words of a firm's name, what firms work on, and agency expertise.
INDUSTRY_PROFILES = {
    Industry.INTEGRATED_CIRCUITS: (
        ("微电子科技", "半导体科技", "集成电路设计", "芯片技术"),
        ("车规级MCU芯片", "功率半导体器件", "射频前端芯片", "存储控制芯片", "MEMS传感器"),
        "集成电路 芯片设计 集成电路布图设计 半导体工艺 semiconductor chip-design layout-design",
    ),
    Industry.INTELLIGENT_MANUFACTURING: (
        ("智能装备", "自动化科技", "机器人科技", "精密制造"),
        ("工业机器人", "智能产线控制系统", "激光加工装备", "工业视觉检测"),
        "智能制造 工业机器人 数控装备 机械结构 robotics automation machinery",
    ),
    Industry.BIOMEDICINE: (
        ("生物医药科技", "医疗器械", "生物技术", "药业科技"),
        ("抗体药物", "体外诊断试剂", "基因检测", "微创手术器械", "细胞治疗"),
        "生物医药 化学药 医疗器械 基因技术 biomedicine pharmaceuticals medical-devices",
    ),
    Industry.NEW_ENERGY_VEHICLES: (
        ("新能源科技", "动力电池科技", "电驱动技术", "汽车电子"),
        ("动力电池管理系统", "电驱动总成", "车载充电机", "智能座舱"),
        "新能源汽车 动力电池 电机电控 汽车电子 new-energy-vehicles batteries",
    ),
    Industry.ARTIFICIAL_INTELLIGENCE: (
        ("人工智能科技", "智能科技", "信息技术", "数据科技"),
        ("计算机视觉", "大模型应用", "智能语音", "知识图谱"),
        "人工智能 算法 软件 计算机视觉 artificial-intelligence software algorithms",
    ),
    Industry.FUTURE_NETWORKS: (
        ("网络科技", "未来网络技术", "云计算科技", "边缘计算技术"),
        ("软件定义网络", "确定性网络", "边缘计算平台", "网络安全"),
        "未来网络 软件定义网络 云计算 网络安全 future-networks SDN cloud",
    ),
    Industry.NEW_MATERIALS: (
        ("新材料科技", "材料技术", "纳米科技", "复合材料"),
        ("石墨烯材料", "高性能复合材料", "光电功能材料", "特种涂层"),
        "新材料 高分子 纳米材料 化学工艺 materials chemistry nanomaterials",
    ),
    Industry.NETWORKS_COMMUNICATIONS: (
        ("通信科技", "通信技术", "光电科技", "物联网科技"),
        ("5G小基站", "光通信模块", "物联网终端", "卫星通信"),
        "通信 5G 物联网 光通信 标准必要专利 telecommunications 5G IoT SEP",
    ),
    Industry.OTHER: (
        ("科技", "信息科技", "环保科技", "文化科技"),
        ("环保监测设备", "数字文创", "企业管理软件", "智慧农业"),
        "环保 文化创意 软件 商业方法 software environmental creative-industries",
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
AGENCY_KIND_EXPERTISE = {
    Agency.Kind.PATENT_AGENCY: "专利挖掘 专利申请 审查意见答复 专利无效 patent drafting prosecution",
    Agency.Kind.TRADEMARK_AGENCY: "商标注册 商标监测 商标异议 品牌保护 trademark filing watch opposition",
    Agency.Kind.LAW_FIRM: "知识产权诉讼 侵权维权 技术合同 许可谈判 IP litigation enforcement licensing",
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

_SOURCE = {"source": "seed_demo"}

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


class DemoDataExists(Exception):
    """The database already holds programme data; the demo only fills an empty one."""


@dataclass
class SeedReport:
    counts: dict = field(default_factory=dict)
    seconds: float = 0.0


def programme_data_exists():
    """True when a programme year or any participant is already in the database."""
    return any(
        model.objects.exists()
        for model in (ProgrammeYear, HighTechPark, Incubator, Firm, Agency, ServiceItem)
    )


def seed(
    *,
    firms=DEFAULT_FIRMS,
    agencies=DEFAULT_AGENCIES,
    incubators=DEFAULT_INCUBATORS,
    seed=DEFAULT_SEED,
):
    """Write the demo programme into an empty database and return what was written.

    Raises DemoDataExists when programme data is present, and ValueError for
    sizes below one (the demo logins need a firm, an agency and an incubator).
    """
    for label, value in (("firms", firms), ("agencies", agencies), ("incubators", incubators)):
        if value < 1:
            raise ValueError(f"{label} must be at least 1, not {value}")
    started = time.perf_counter()
    with transaction.atomic():
        if programme_data_exists():
            raise DemoDataExists
        counts = _Seeder(seed=seed).run(firms=firms, agencies=agencies, incubators=incubators)
    return SeedReport(counts=counts, seconds=time.perf_counter() - started)


def _check(obj, **kwargs):
    # Uniqueness holds by construction and the database checks constraints on
    # insert, so only field and model validation runs here, without queries.
    obj.full_clean(validate_unique=False, validate_constraints=False, **kwargs)
    return obj


def _relations(model):
    """Names of the model's foreign keys: validating them would cost a query per row."""
    return [f.name for f in model._meta.concrete_fields if f.is_relation]


def _insert_as_of(model, rows):
    """Insert rows keeping the moments set on them, auto_now_add fields included.

    bulk_create() would stamp those fields with the time of seeding; a raw
    insert (the path loaddata takes) keeps the history's own moments. Primary
    keys come back as with bulk_create().
    """
    connection = connections[router.db_for_write(model)]
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    size = 1
    if connection.features.can_return_rows_from_bulk_insert:
        size = max(connection.ops.bulk_batch_size(fields, rows), 1)
    for start in range(0, len(rows), size):
        batch = rows[start : start + size]
        returned = model._base_manager.using(connection.alias)._insert(
            batch, fields=fields, returning_fields=[model._meta.pk], raw=True
        )
        for row, (pk,) in zip(batch, returned, strict=True):
            row.pk = pk
            row._state.adding = False
            row._state.db = connection.alias


class _Seeder:
    def __init__(self, *, seed):
        self.rng = random.Random(seed)
        self.today = timezone.localdate()
        self.now = timezone.now()
        # Made-up history ends when today began, so runs on the same day agree to the second.
        self.anchor = timezone.make_aware(datetime.datetime.combine(self.today, datetime.time()))
        # The demo password is published; one hash serves the four logins (each costs ~0.4 s).
        self.demo_password = make_password(DEMO_PASSWORD)
        self.events = []
        self.used_names = set()
        self.agency_staff = []
        self.firm_members = []
        self.firm_focus = []

    def run(self, *, firms, agencies, incubators):
        self.officer = self._demo_user("demo-officer", is_staff=True, is_superuser=True)
        _check(self.officer, exclude=["password"])
        self.officer.save()
        parks = self._parks()
        incubator_rows, managers = self._incubators(incubators, parks)
        items = self._catalogue()
        year = self._programme_year(items)
        codes = iter(self.rng.sample(range(100_000_000, 1_000_000_000), firms + agencies))
        agency_rows = self._agencies(agencies, items, codes)
        firm_rows = self._firms(firms, incubator_rows, managers, codes)
        contracting = _Contracting(
            self,
            year=year,
            items=items,
            agencies=agency_rows,
            firms=firm_rows,
            incubators=incubator_rows,
            managers=managers,
        ).run()
        # Oldest first, so that the id order of the trail is its time order too.
        self.events.sort(key=lambda event: event.at)
        _insert_as_of(AuditEvent, self.events)
        # Then the custody work of the running engagements, through the custody actions.
        workspace = seed_workspace(rng=self.rng, today=self.today)
        return {
            "parks": len(parks),
            "incubators": len(incubator_rows),
            "service items": len(items),
            "package items": year.package_items.count(),
            "agencies": len(agency_rows),
            "firms": len(firm_rows),
            "users": 1 + len(incubator_rows) + len(agency_rows) + len(firm_rows),
            **contracting,
            "audit events": len(self.events),
            **workspace,
        }

    # --- helpers -------------------------------------------------------------

    def _demo_user(self, username, **fields):
        login = next(login for login in DEMO_LOGINS if login.username == username)
        return User(
            username=username,
            email=f"{username}@{DEMO_EMAIL_DOMAIN}",
            role=login.role,
            display_name=login.display_name,
            password=self.demo_password,
            **fields,
        )

    def _staff_user(self, username, role, display_name, **memberships):
        return User(
            username=username,
            email=f"{username}@{DEMO_EMAIL_DOMAIN}",
            role=role,
            display_name=display_name,
            password=make_password(None),
            **memberships,
        )

    def _event(
        self,
        *,
        at,
        actor,
        action,
        subject,
        from_state="",
        to_state="",
        reason="",
        data=None,
    ):
        """Queue the audit event the action reaching this state writes (see core.audit)."""
        if isinstance(subject, Firm):
            parties = {"firm": subject, "incubator_id": subject.incubator_id}
        elif isinstance(subject, Agency):
            parties = {"agency": subject}
        else:
            parties = {
                f"{name}_id": getattr(subject, f"{name}_id")
                for name in ("firm", "agency", "incubator")
                if getattr(subject, f"{name}_id", None) is not None
            }
        self.events.append(
            AuditEvent(
                at=at,
                actor=actor,
                action=action,
                subject_type=ContentType.objects.get_for_model(subject),
                subject_id=str(subject.pk),
                subject_repr=str(subject)[:200],
                from_state=from_state,
                to_state=to_state,
                reason=reason,
                data={**_SOURCE, **(data or {})},
                **parties,
            )
        )

    def _unique_name(self, make):
        """Call `make()` for (name, English name) until the name is new; numbered after many clashes."""
        for _attempt in range(40):
            name, name_en = make()
            if name not in self.used_names:
                self.used_names.add(name)
                return name, name_en
        number = 2
        while f"{name}（{number}）" in self.used_names:
            number += 1
        self.used_names.add(f"{name}（{number}）")
        return f"{name}（{number}）", name_en and f"{name_en} ({number})"

    def _brand(self):
        first, first_pinyin = self.rng.choice(BRAND_FIRST)
        second, second_pinyin = self.rng.choice(BRAND_SECOND)
        # Pinyin marks a syllable starting with a, e or o: Le'an, not Lean.
        joiner = "'" if second_pinyin[0] in "aeo" else ""
        return first + second, f"{first_pinyin}{joiner}{second_pinyin}"

    def _address(self, district):
        road = self.rng.choice(ROADS[district])
        return f"南京市{DISTRICT_NAMES_ZH[district]}{road}{self.rng.randint(1, 399)}号"

    def _past_moment(self, day, *, min_days, max_days):
        """An office-hours moment some days after `day`, never later than now."""
        when = day + datetime.timedelta(days=self.rng.randint(min_days, max_days))
        moment = timezone.make_aware(
            datetime.datetime.combine(
                when, datetime.time(self.rng.randint(9, 17), self.rng.randint(0, 59))
            )
        )
        return min(moment, self.now)

    def _between(self, start, end):
        """A moment between `start` and `end`, to the second."""
        return (start + (end - start) * self.rng.random()).replace(microsecond=0)

    def _recent(self, *, min_days, max_days):
        """A moment some days before today began."""
        days = datetime.timedelta(days=1)
        return self._between(self.anchor - max_days * days, self.anchor - min_days * days)

    def _start_of(self, day):
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))

    # --- reference data ----------------------------------------------------

    def _parks(self):
        parks = {
            key: _check(HighTechPark(name=name, name_en=name_en, district=district))
            for key, name, name_en, district in PARKS
        }
        HighTechPark.objects.bulk_create(parks.values())
        return parks

    def _incubators(self, count, parks):
        rows = []
        for index in range(count):
            if index < len(INCUBATORS):
                name, name_en, level, district, park_key = INCUBATORS[index]
                park = parks[park_key] if park_key else None
                self.used_names.add(name)
            else:
                park = parks[self.rng.choice(PARKS)[0]]
                district = park.district
                level = self.rng.choices(
                    (_NATIONAL, _PROVINCIAL, _MUNICIPAL), weights=(35, 50, 15)
                )[0]

                def make(park=park):
                    theme, theme_en = self.rng.choice(INCUBATOR_THEMES)
                    kind, kind_en = self.rng.choice(INCUBATOR_KINDS)
                    return f"{park.name}{theme}{kind}", f"{park.name_en} {theme_en} {kind_en}"

                name, name_en = self._unique_name(make)
            rows.append(
                _check(
                    Incubator(
                        name=name,
                        name_en=name_en,
                        level=level,
                        district=district,
                        park=park,
                        address=self._address(district),
                    ),
                    exclude=["park"],
                )
            )
        Incubator.objects.bulk_create(rows)

        managers = []
        for index, incubator in enumerate(rows):
            if index == 0:
                manager = self._demo_user("demo-manager", incubator=incubator)
            else:
                manager = self._staff_user(
                    f"manager-{index:03d}",
                    User.Role.INCUBATOR_MANAGER,
                    f"{incubator.name}管理员",
                    incubator=incubator,
                )
            managers.append(_check(manager, exclude=["password", "incubator"]))
        User.objects.bulk_create(managers)
        return rows, managers

    def _catalogue(self):
        items = {
            entry.code: _check(
                ServiceItem(
                    code=entry.code,
                    area=entry.area,
                    name=entry.name,
                    name_en=entry.name_en,
                    description=entry.description,
                    unit=entry.unit,
                    unit_price=Decimal(entry.unit_price),
                )
            )
            for entry in CATALOGUE
        }
        ServiceItem.objects.bulk_create(items.values())
        return items

    def _programme_year(self, items):
        year_number = self.today.year
        year = ProgrammeYear(
            year=year_number,
            name=f"{year_number}年度南京市小微企业知识产权托管服务项目",
            budget=Decimal("0"),
            target_firms=PROGRAMME_TARGET_FIRMS,
            government_share=PROGRAMME_GOVERNMENT_SHARE,
            copay_cap=PROGRAMME_COPAY_CAP,
            max_headcount=100,
            max_revenue_band=RevenueBand.FROM_20M_TO_50M,
            opens_on=min(
                datetime.date(year_number, 3, 1),
                self.today - datetime.timedelta(days=HISTORY_DAYS),
            ),
            closes_on=max(datetime.date(year_number, 11, 30), self.today),
            offer_response_days=3,
        )
        package = [
            PackageItem(service_item=items[code], quota=quota, is_standard=standard)
            for code, quota, standard in PACKAGE
        ]
        # Budget: the government's part of the standard package for every target firm,
        # rounded up to a whole million.
        price = sum(
            (row.quota * row.service_item.unit_price for row in package if row.is_standard),
            Decimal("0.00"),
        )
        government, _copay = year.split_price(price)
        million = Decimal("1000000")
        year.budget = (government * year.target_firms / million).to_integral_value(
            ROUND_CEILING
        ) * million
        _check(year)
        year.save()
        for row in package:
            row.programme_year = year
            _check(row)
        PackageItem.objects.bulk_create(package)
        return year

    # --- agencies ------------------------------------------------------------

    def _agency_statuses(self, count):
        """Status plan per agency index: mostly approved, a few of every other state."""
        plan = ["approved"] * count
        # The demo agency and its rival (index 1) are always approved.
        others = list(range(2, count))
        self.rng.shuffle(others)
        quotas = (
            ("applied", max(1, round(count * 0.10))),
            ("applied-expired", max(1, round(count * 0.03))),
            ("approved-expired", max(1, round(count * 0.03))),
            ("suspended", max(1, round(count * 0.05))),
            ("rejected", max(1, round(count * 0.03))),
        )
        for state, quota in quotas:
            for _ in range(quota):
                if others:
                    plan[others.pop()] = state
        return plan

    def _agencies(self, count, items, codes):
        plan = self._agency_statuses(count)
        licence_counters = dict.fromkeys(Agency.Kind.values, 0)
        central = (
            District.GULOU,
            District.JIANYE,
            District.XUANWU,
            District.QINHUAI,
            District.JIANGNING,
            District.PUKOU,
            District.QIXIA,
            District.YUHUATAI,
        )
        rows, offered, moments = [], [], []
        for index in range(count):
            demo = index == 0
            # The demo agency's rival also serves the whole standard package, so a
            # demo firm compares two candidates and a change of agency has somewhere to go.
            rival = index == 1
            kind = (
                Agency.Kind.PATENT_AGENCY
                if demo or rival
                else self.rng.choices(Agency.Kind.values, weights=(60, 25, 15))[0]
            )

            def make(kind=kind):
                brand, pinyin = self._brand()
                pattern, pattern_en = self.rng.choice(AGENCY_NAME_PATTERNS[kind])
                return pattern.format(b=brand), pattern_en.format(B=pinyin)

            name, name_en = self._unique_name(make)
            district = self.rng.choice(central) if self.rng.random() < 0.9 else District.LISHUI
            if demo or self.rng.random() < 0.2:
                served = list(District.values)
            else:
                neighbours = sorted(DISTRICT_NEIGHBOURS[District(district)])
                picked = {
                    district,
                    *self.rng.sample(neighbours, self.rng.randint(1, len(neighbours))),
                }
                served = [code for code in District.values if code in picked]
            industry_codes = [code for code, _weight in INDUSTRY_WEIGHTS[:-1]]
            picked = set(self.rng.sample(industry_codes, 5 if demo else self.rng.randint(1, 3)))
            industries = [code for code in Industry.values if code in picked]
            expertise = " ".join(
                [INDUSTRY_PROFILES[Industry(code)][2] for code in industries]
                + [AGENCY_KIND_EXPERTISE[kind]]
            )
            state = plan[index]
            if state.endswith("expired"):
                valid_until = self.today - datetime.timedelta(days=self.rng.randint(5, 200))
            else:
                valid_until = self.today + datetime.timedelta(days=self.rng.randint(90, 1800))
            if demo or rival:
                # Approved long before the programme opened, so they have a history.
                valid_until = self.today + datetime.timedelta(days=(3 if demo else 2) * 365)
            valid_from = valid_until - datetime.timedelta(days=5 * 365)
            licence_counters[kind] += 1
            sequence = licence_counters[kind]
            licence_number = {
                Agency.Kind.PATENT_AGENCY: f"32{100 + sequence}",
                Agency.Kind.TRADEMARK_AGENCY: f"TM{valid_from.year}32{sequence:04d}",
                Agency.Kind.LAW_FIRM: f"3{district}{valid_from.year}1{sequence:05d}",
            }[kind]
            core, optional = AGENCY_SERVICES[kind]
            # Agencies in a custody programme tend to offer much of the package.
            breadth = self.rng.uniform(0.6, 1.0)
            codes_offered = (
                [entry.code for entry in CATALOGUE]
                if demo
                else list(core) + [code for code in optional if self.rng.random() < breadth]
            )
            if rival:
                codes_offered += [code for code in STANDARD_CODES if code not in codes_offered]
            if demo:
                capacity = 150
            elif kind == Agency.Kind.PATENT_AGENCY:
                capacity = self.rng.randrange(20, 125, 5)
            else:
                capacity = self.rng.randrange(10, 65, 5)
            agency = Agency(
                name=name,
                name_en=name_en,
                credit_code=make_credit_code(next(codes), region=district),
                kind=kind,
                licence_number=licence_number,
                licence_valid_from=valid_from,
                licence_valid_until=valid_until,
                district=district,
                industries=industries,
                districts_served=served,
                expertise=expertise,
                yearly_capacity=capacity,
            )
            moment = self._set_agency_state(agency, state)
            agency.created_at = moment["applied"]
            moments.append(moment)
            rows.append(_check(agency))
            offered.append(codes_offered)
        _insert_as_of(Agency, rows)

        through = Agency.service_items.through
        through.objects.bulk_create(
            through(agency_id=agency.pk, serviceitem_id=items[code].pk)
            for agency, codes_offered in zip(rows, offered, strict=True)
            for code in codes_offered
        )
        staff = []
        for index, agency in enumerate(rows):
            joined = {"date_joined": moments[index]["applied"]}
            if index == 0:
                admin = self._demo_user(
                    "demo-agency", agency=agency, is_agency_admin=True, **joined
                )
            else:
                admin = self._staff_user(
                    f"agency-{index:04d}",
                    User.Role.AGENCY_STAFF,
                    f"{agency.name}管理员",
                    agency=agency,
                    is_agency_admin=True,
                    **joined,
                )
            staff.append(_check(admin, exclude=["password", "agency"]))
        User.objects.bulk_create(staff)
        self.agency_staff = staff
        self.agency_moments = moments
        for agency, admin, moment in zip(rows, staff, moments, strict=True):
            self._agency_events(agency, admin, moment)
        return rows

    def _set_agency_state(self, agency, state):
        """Set the agency's state; return when it applied and each later change happened."""
        if state.startswith("applied"):
            agency.status = Agency.Status.APPLIED
            return {"applied": self._recent(min_days=1, max_days=30)}
        if state == "rejected":
            agency.status = Agency.Status.REJECTED
            agency.status_reason = self.rng.choice(AGENCY_REJECTION_REASONS)
            applied = self._recent(min_days=10, max_days=60)
            return {
                "applied": applied,
                "rejected": applied + datetime.timedelta(days=self.rng.uniform(2, 8)),
            }
        # Approved while the licence was valid; suspended ones were approved first.
        agency.approved_at = self._past_moment(agency.licence_valid_from, min_days=10, max_days=120)
        agency.status = Agency.Status.APPROVED
        moments = {
            "applied": agency.approved_at - datetime.timedelta(days=self.rng.uniform(3, 40)),
            "approved": agency.approved_at,
        }
        if state == "suspended":
            agency.status = Agency.Status.SUSPENDED
            agency.status_reason = self.rng.choice(AGENCY_SUSPENSION_REASONS)
            since = max(self.anchor - agency.approved_at, datetime.timedelta(0))
            moments["suspended"] = self._between(
                agency.approved_at + since * 0.3, agency.approved_at + since * 0.9
            )
        return moments

    def _agency_events(self, agency, admin, moments):
        applied = Agency.Status.APPLIED
        self._event(
            at=moments["applied"],
            actor=admin,
            action="agency.applied",
            subject=agency,
            to_state=applied,
        )
        if agency.status == applied:
            return
        if agency.status == Agency.Status.REJECTED:
            self._event(
                at=moments["rejected"],
                actor=self.officer,
                action="agency.rejected",
                subject=agency,
                from_state=applied,
                to_state=agency.status,
                reason=agency.status_reason,
            )
            return
        self._event(
            at=moments["approved"],
            actor=self.officer,
            action="agency.approved",
            subject=agency,
            from_state=applied,
            to_state=Agency.Status.APPROVED,
        )
        if agency.status == Agency.Status.SUSPENDED:
            self._event(
                at=moments["suspended"],
                actor=self.officer,
                action="agency.suspended",
                subject=agency,
                from_state=Agency.Status.APPROVED,
                to_state=agency.status,
                reason=agency.status_reason,
            )

    # --- firms ---------------------------------------------------------------

    def _firm_verification(self, index):
        if index == 0:
            return Firm.Verification.VERIFIED
        if index == 1:
            # The demo manager always has a sign-up to confirm.
            return Firm.Verification.PENDING
        if index < DEMO_INCUBATOR_FIRMS:
            return Firm.Verification.VERIFIED
        return self.rng.choices(Firm.Verification.values, weights=(17, 78, 5))[0]

    def _firms(self, count, incubators, managers, codes):
        industries = [code for code, _weight in INDUSTRY_WEIGHTS]
        industry_weights = [weight for _code, weight in INDUSTRY_WEIGHTS]
        incubator_weights = [self.rng.uniform(0.5, 2.0) for _ in incubators]
        rows, registered = [], []
        for index in range(count):
            if index < DEMO_INCUBATOR_FIRMS:
                slot = 0
            else:
                slot = self.rng.choices(range(len(incubators)), weights=incubator_weights)[0]
            incubator = incubators[slot]
            industry = (
                Industry.INTEGRATED_CIRCUITS
                if index == 0
                else self.rng.choices(industries, weights=industry_weights)[0]
            )
            words, focuses, _expertise = INDUSTRY_PROFILES[Industry(industry)]

            def make(words=words):
                brand, _pinyin = self._brand()
                city = "南京" if self.rng.random() < 0.85 else "江苏"
                return f"{city}{brand}{self.rng.choice(words)}有限公司", None

            name, _ = self._unique_name(make)
            district = (
                incubator.district if self.rng.random() < 0.9 else self.rng.choice(District.values)
            )
            band = self.rng.choices(range(4), weights=(70, 22, 6, 2))[0]
            headcount = (
                18
                if index == 0
                else self.rng.randint(*((3, 20), (21, 60), (61, 100), (101, 300))[band])
            )
            revenue_band = (
                RevenueBand.FROM_1M_TO_5M
                if index == 0
                else self.rng.choices(RevenueBand.values, weights=(45, 35, 13, 5, 2))[0]
            )
            admitted_on = self.today - datetime.timedelta(days=self.rng.randint(40, 1500))
            focus = self.rng.choice(focuses)
            firm = Firm(
                name=name,
                credit_code=make_credit_code(
                    next(codes), region=district if self.rng.random() < 0.8 else "320100"
                ),
                district=district,
                incubator=incubator,
                admitted_on=admitted_on,
                industry=industry,
                headcount=headcount,
                revenue_band=revenue_band,
                description=f"专注于{focus}的研发与产业化。",
                verification=self._firm_verification(index),
            )
            if firm.verification == Firm.Verification.PENDING:
                registered.append(self._recent(min_days=1, max_days=20))
            else:
                # Confirmed (or turned down) by the incubator's manager soon after admission.
                firm.verified_at = self._past_moment(admitted_on, min_days=3, max_days=30)
                firm.verified_by = managers[slot]
                registered.append(
                    max(
                        firm.verified_at - datetime.timedelta(hours=self.rng.uniform(2, 120)),
                        self._start_of(admitted_on),
                    )
                )
            if firm.verification == Firm.Verification.REJECTED:
                firm.verification_reason = self.rng.choice(FIRM_REJECTION_REASONS)
            rows.append(_check(firm, exclude=["incubator", "verified_by"]))
            self.firm_focus.append(focus)
        for firm, moment in zip(rows, registered, strict=True):
            firm.created_at = moment
        _insert_as_of(Firm, rows)

        members = []
        for index, firm in enumerate(rows):
            joined = {"date_joined": registered[index]}
            if index == 0:
                member = self._demo_user("demo-firm", firm=firm, **joined)
            else:
                member = self._staff_user(
                    f"firm-{index:05d}",
                    User.Role.FIRM_MEMBER,
                    f"{firm.name}联系人",
                    firm=firm,
                    **joined,
                )
            members.append(_check(member, exclude=["password", "firm"]))
        User.objects.bulk_create(members, batch_size=1000)
        self.firm_members = members

        for firm, member, moment in zip(rows, members, registered, strict=True):
            self._event(
                at=moment,
                actor=member,
                action="firm.registered",
                subject=firm,
                to_state=Firm.Verification.PENDING,
            )
            if firm.verification == Firm.Verification.PENDING:
                continue
            self._event(
                at=firm.verified_at,
                actor=firm.verified_by,
                action=f"firm.{firm.verification}",
                subject=firm,
                from_state=Firm.Verification.PENDING,
                to_state=firm.verification,
                reason=firm.verification_reason,
            )
        return rows


# --- contracting: requests, offers, engagements ------------------------------------


@dataclass(eq=False)
class _PlannedOffer:
    sent_at: datetime.datetime
    respond_by: datetime.datetime
    provisional: bool
    outcome: str = ""  # the Offer.Status it ends in
    responded_at: datetime.datetime | None = None
    reason: str = ""
    to_demo_agency: bool = False
    # Filled in by the replay, from the ranking at the moment the offer was sent.
    agency: int | None = None
    score: Decimal | None = None
    rank: int | None = None
    reasons: list = field(default_factory=list)
    warned_at: datetime.datetime | None = None
    dropped: bool = False
    row: Offer | None = None


@dataclass(eq=False)
class _PlannedRequest:
    firm: int
    items: tuple  # ((service item code, quota), ...)
    needs: str
    submitted_at: datetime.datetime
    offers: list
    withdrawn_at: datetime.datetime | None = None
    withdraw_reason: str = ""
    price: Decimal = Decimal("0.00")
    government: Decimal = Decimal("0.00")
    copay: Decimal = Decimal("0.00")
    row: CustodyRequest | None = None
    engagement: Engagement | None = None

    @property
    def status(self):
        if self.withdrawn_at is not None:
            return CustodyRequest.Status.WITHDRAWN
        outcome = self.offers[-1].outcome if self.offers else None
        if outcome == Offer.Status.ACCEPTED:
            return CustodyRequest.Status.ENGAGED
        if outcome == Offer.Status.PENDING:
            return CustodyRequest.Status.OFFERED
        return CustodyRequest.Status.OPEN


class _Contracting:
    """The open programme year's requests, offers, engagements and what they left behind.

    Each request gets a story first (when it was submitted, how many offers
    lapsed, how it ends), with moments only. A replay then walks every offer
    in time order and ranks the agencies as matching would have at that
    moment (approvals so far, clients taken, answers given), so the agency,
    score, rank and reasons of each offer are what offer_make would have
    stored. Capacity and budget are checked as offer_accept checks them.
    """

    def __init__(self, seeder, *, year, items, agencies, firms, incubators, managers):
        self.s = seeder
        self.rng = seeder.rng
        self.year = year
        self.items = items
        self.item_ids = {code: item.pk for code, item in items.items()}
        self.agencies = agencies
        self.firms = firms
        self.demo_incubator = incubators[0]
        self.managers = {manager.incubator_id: manager for manager in managers}
        self.package = {row.service_item.code: row for row in year.package_items.all()}
        self.plans = []
        self.conflicts = []
        self.notifications = []
        self.change = None

    def run(self):
        self._plan_stories()
        self._declare_conflicts()
        self._replay()
        self._write()
        self._propose_change()
        self._notify_history()
        return {
            "custody requests": len(self.plans),
            "offers": sum(len(plan.offers) for plan in self.plans),
            "engagements": sum(plan.engagement is not None for plan in self.plans),
            "conflicts of interest": len(self.conflicts),
            "changes of agency": int(self.change is not None),
            "notifications": len(self.notifications),
        }

    # --- stories -------------------------------------------------------------------

    def _eligible(self, firm):
        """What request_submit's eligibility rules ask of the firm itself."""
        return (
            firm.verification == Firm.Verification.VERIFIED
            and firm.incubator.is_programme_level
            and firm.headcount <= self.year.max_headcount
            and RevenueBand.rank(firm.revenue_band) <= RevenueBand.rank(self.year.max_revenue_band)
        )

    def _plan_stories(self):
        verified = sum(firm.verification == Firm.Verification.VERIFIED for firm in self.firms)
        # The demo firm (index 0) keeps no request: a visitor walks its journey.
        pool = [index for index, firm in enumerate(self.firms[1:], 1) if self._eligible(firm)]
        self.rng.shuffle(pool)
        wanted = {
            "offered": max(1, round(verified * OFFERED_SHARE)),
            "open": round(verified * OPEN_SHARE),
            "engaged": round(verified * ENGAGED_SHARE),
            "withdrawn": max(1, round(verified * WITHDRAWN_SHARE)),
        }
        # The budget must still cover the pending offers and the demo firm's own request.
        full_package = sum(
            (row.quota * row.service_item.unit_price for row in self.package.values()),
            Decimal("0.00"),
        )
        most, _copay = self.year.split_price(full_package)
        spendable = self.year.budget - most * (wanted["offered"] + 1)
        planned = Decimal("0.00")

        in_demo_incubator = [
            index for index in pool if self.firms[index].incubator_id == self.demo_incubator.pk
        ]
        stories = [
            (index, "open", position < 2)
            for position, index in enumerate(in_demo_incubator[:DEMO_INCUBATOR_OPEN])
        ]
        opened_already = len(stories)
        taken = {index for index, _kind, _recent in stories}
        rest = iter(index for index in pool if index not in taken)
        for kind in ("offered", "engaged", "open", "withdrawn"):
            count = wanted[kind] - (opened_already if kind == "open" else 0)
            for _ in range(max(count, 0)):
                index = next(rest, None)
                if index is None:
                    break
                stories.append((index, kind, False))

        demo_pending = 0
        for index, kind, recent in stories:
            plan = self._request(index)
            if kind == "engaged":
                if planned + plan.government > spendable:
                    kind = "open"
                else:
                    planned += plan.government
            timeline = self._timeline_for(index, kind, recent)
            if timeline is None:
                continue
            plan.submitted_at, plan.offers, plan.withdrawn_at = timeline
            if plan.withdrawn_at is not None:
                plan.withdraw_reason = self.rng.choice(WITHDRAW_REASONS)
                for offer in plan.offers:
                    if offer.outcome == Offer.Status.WITHDRAWN:
                        offer.reason = plan.withdraw_reason
            if plan.status == CustodyRequest.Status.OFFERED and demo_pending < DEMO_AGENCY_PENDING:
                plan.offers[-1].to_demo_agency = True
                demo_pending += 1
            self.plans.append(plan)

    def _request(self, index):
        shape = self.rng.choices(*zip(*REQUEST_SHAPES, strict=True))[0]
        standard = [(code, row.quota) for code, row in self.package.items() if row.is_standard]
        extras = ""
        if shape == "standard":
            items = standard
        elif shape == "extras":
            chosen = self.rng.sample(STANDARD_EXTRAS, self.rng.randint(1, 2))
            items = standard + [
                (code, self.rng.randint(1, self.package[code].quota)) for code in chosen
            ]
            extras = "和".join(self.items[code].name for code in chosen)
        elif shape == "brand":
            items = list(BRAND_ITEMS)
        else:
            items = list(PROTECTION_ITEMS)
        price = sum((self.items[code].unit_price * quota for code, quota in items), Decimal("0.00"))
        government, copay = self.year.split_price(price)
        return _PlannedRequest(
            firm=index,
            items=tuple(items),
            needs=NEEDS[shape].format(focus=self.s.firm_focus[index], extras=extras),
            submitted_at=None,
            offers=[],
            price=price,
            government=government,
            copay=copay,
        )

    def _timeline_for(self, index, kind, recent):
        """Moments of the story, with fewer lapsed offers when history is short."""
        firm = self.firms[index]
        opened = self.s._start_of(self.year.opens_on) + datetime.timedelta(hours=9)
        window_start = max(opened, firm.verified_at + datetime.timedelta(days=1))
        lapses = {
            "engaged": self.rng.choices((0, 1, 2), weights=(55, 33, 12))[0],
            "offered": self.rng.choices((0, 1), weights=(70, 30))[0],
            "open": 0 if recent else self.rng.choices((0, 1), weights=(65, 35))[0],
            "withdrawn": self.rng.choices((0, 1), weights=(50, 50))[0],
        }[kind]
        for count in range(lapses, -1, -1):
            timeline = self._timeline(kind, count, window_start, recent=recent)
            if timeline is not None:
                return timeline
        return self._timeline("open", 0, window_start, recent=recent)

    def _offer_after(self, moment):
        """An offer the firm sends some time after `moment`, with its working-day deadline."""
        hour = datetime.timedelta(hours=1)
        return self._offer_at(self.s._between(moment + hour / 6, moment + 48 * hour))

    def _offer_at(self, sent_at):
        respond_by, provisional = offer_actions._deadline(self.year, sent_at)
        return _PlannedOffer(sent_at=sent_at, respond_by=respond_by, provisional=provisional)

    def _timeline(self, kind, lapses, window_start, *, recent):
        """(submitted at, offers, withdrawn at), or None when it does not fit before today."""
        hour, day = datetime.timedelta(hours=1), datetime.timedelta(days=1)
        minute = hour / 60
        end = self.s.anchor - 30 * minute
        if kind == "open" and lapses == 0:
            start = max(window_start, self.s.anchor - 60 * hour) if recent else window_start
            return (self.s._between(start, end), [], None) if start < end else None
        # A round of offer and answer takes at most about a week, holidays included.
        latest = self.s.anchor - day * (7 * lapses + (3 if kind == "offered" else 8))
        if latest <= window_start:
            return None
        submitted = self.s._between(window_start, latest)
        moment, offers, withdrawn_at = submitted, [], None
        for _ in range(lapses):
            offer = self._offer_after(moment)
            if self.rng.random() < 0.6:
                offer.outcome = Offer.Status.DECLINED
                offer.reason = self.rng.choice(DECLINE_REASONS)
                offer.responded_at = self.s._between(
                    offer.sent_at + hour,
                    min(offer.sent_at + 60 * hour, offer.respond_by - minute),
                )
            else:
                offer.outcome = Offer.Status.EXPIRED
                # The expiry job runs every five minutes.
                offer.responded_at = offer.respond_by + minute * self.rng.uniform(0.1, 5)
                offer.responded_at = offer.responded_at.replace(microsecond=0)
            offers.append(offer)
            moment = offer.responded_at
        if kind == "engaged":
            offer = self._offer_after(moment)
            offer.outcome = Offer.Status.ACCEPTED
            offer.responded_at = self.s._between(
                offer.sent_at + 20 * minute,
                min(offer.sent_at + 54 * hour, offer.respond_by - minute),
            )
            offers.append(offer)
            moment = offer.responded_at
        elif kind == "offered":
            start = max(moment + 10 * minute, self.s.anchor - 48 * hour)
            if start >= end:
                return None
            offer = self._offer_at(self.s._between(start, end))
            offer.outcome = Offer.Status.PENDING
            offers.append(offer)
            moment = offer.sent_at
        elif kind == "withdrawn":
            if self.rng.random() < 0.5:
                offer = self._offer_after(moment)
                offer.outcome = Offer.Status.WITHDRAWN
                offer.responded_at = self.s._between(
                    offer.sent_at + hour,
                    min(offer.sent_at + 48 * hour, offer.respond_by - minute),
                )
                offers.append(offer)
                moment = offer.responded_at
            else:
                moment = self.s._between(moment + hour, moment + 96 * hour)
            withdrawn_at = moment
        if moment >= end:
            return None
        for offer in offers:
            # The warning job (every 15 minutes) reminds the agency a day before the deadline.
            warn_at = offer.respond_by - day + minute * self.rng.uniform(0.1, 15)
            warn_at = max(warn_at.replace(microsecond=0), offer.sent_at + minute)
            still_pending = offer.responded_at is None or offer.responded_at > warn_at
            if still_pending and warn_at < self.s.anchor:
                offer.warned_at = warn_at
        return submitted, offers, withdrawn_at

    def _declare_conflicts(self):
        """A couple of declared conflicts, one of them the demo agency's, all before opening."""
        with_request = [plan.firm for plan in self.plans]
        to_demo = {
            plan.firm for plan in self.plans if plan.offers and plan.offers[-1].to_demo_agency
        }
        approved = [
            index
            for index, agency in enumerate(self.agencies)
            if agency.status == Agency.Status.APPROVED
        ]
        if not with_request or not approved:
            return
        opened = self.s._start_of(self.year.opens_on)
        pairs = set()
        demo_candidates = [firm for firm in with_request if firm not in to_demo]
        if approved[0] == 0 and demo_candidates:
            pairs.add((0, self.rng.choice(demo_candidates)))
        wanted = 2 + len(self.firms) // 300
        for _attempt in range(wanted * 5):
            if len(pairs) >= wanted:
                break
            pairs.add((self.rng.choice(approved), self.rng.choice(with_request)))
        for agency, firm in sorted(pairs):
            row = ConflictOfInterest(
                agency=self.agencies[agency],
                firm=self.firms[firm],
                note=self.rng.choice(CONFLICT_NOTES),
                declared_at=self.s._between(
                    opened - datetime.timedelta(days=200), opened - datetime.timedelta(days=5)
                ),
            )
            self.conflicts.append(_check(row, exclude=_relations(ConflictOfInterest)))

    # --- replay --------------------------------------------------------------------

    def _request_profile(self, plan, start_date):
        """As candidates.request_profile builds it from the stored request."""
        firm = self.firms[plan.firm]
        return matching.RequestProfile(
            firm_id=firm.pk,
            district=firm.district,
            industry=firm.industry,
            industry_label=INDUSTRY_KEYWORDS.get(firm.industry, ""),
            needs=f"{plan.needs} {firm.description}",
            item_ids=frozenset(self.item_ids[code] for code, _quota in plan.items),
            start_date=start_date,
            neighbour_districts=frozenset(DISTRICT_NEIGHBOURS.get(firm.district, ())),
        )

    def _initial_profiles(self):
        conflicts = {}
        for row in self.conflicts:
            conflicts.setdefault(row.agency_id, set()).add(row.firm_id)
        offered = {}
        for agency_id, item_id in Agency.service_items.through.objects.values_list(
            "agency_id", "serviceitem_id"
        ):
            offered.setdefault(agency_id, set()).add(item_id)
        return [
            matching.AgencyProfile(
                id=agency.pk,
                name=agency.name,
                # Not yet approved: the replay approves each agency at its moment.
                status=Agency.Status.APPLIED,
                licence_valid_from=agency.licence_valid_from,
                licence_valid_until=agency.licence_valid_until,
                district=agency.district,
                districts_served=frozenset(agency.districts_served),
                service_item_ids=frozenset(offered.get(agency.pk, ())),
                industries=frozenset(agency.industries),
                expertise=agency.expertise,
                capacity=agency.yearly_capacity,
                conflict_firm_ids=frozenset(conflicts.get(agency.pk, ())),
            )
            for agency in self.agencies
        ]

    def _replay(self):
        self.profiles = self._initial_profiles()
        count = len(self.agencies)
        self.ever_approved = [
            j for j, moments in enumerate(self.s.agency_moments) if "approved" in moments
        ]
        # Engagements an agency is bound to take; one place always stays free, so every
        # offer found capacity left, and the demo agency keeps half for visitors.
        self.bound = [0] * count
        self.limit = [agency.yearly_capacity - 1 for agency in self.agencies]
        self.limit[0] = self.agencies[0].yearly_capacity // 2
        answered = [[0, 0, []] for _ in range(count)]  # received, accepted, response hours
        active = [0] * count
        committed = Decimal("0.00")

        timeline = []
        for index, moments in enumerate(self.s.agency_moments):
            if "approved" in moments:
                timeline.append((moments["approved"], "approved", index))
            if "suspended" in moments:
                timeline.append((moments["suspended"], "suspended", index))
        for plan in self.plans:
            for offer in plan.offers:
                timeline.append((offer.sent_at, "send", (plan, offer)))
                if offer.outcome in {
                    Offer.Status.ACCEPTED,
                    Offer.Status.DECLINED,
                    Offer.Status.EXPIRED,
                }:
                    timeline.append((offer.responded_at, "answer", (plan, offer)))
        timeline.sort(key=lambda entry: entry[0])

        for moment, kind, subject in timeline:
            if kind in {"approved", "suspended"}:
                self.profiles[subject] = replace(self.profiles[subject], status=kind)
                continue
            plan, offer = subject
            if offer.dropped:
                continue
            if kind == "send":
                if not self._send(plan, offer, moment):
                    self._cut(plan, offer)
                continue
            j = offer.agency
            received, accepted, hours = answered[j]
            hours.append((offer.responded_at - offer.sent_at).total_seconds() / 3600)
            answered[j][0] = received + 1
            if offer.outcome == Offer.Status.ACCEPTED:
                answered[j][1] = accepted + 1
                active[j] += 1
                committed += plan.government
                if committed > self.year.budget:
                    raise RuntimeError("the demo plan overspent the programme budget")
            self.profiles[j] = replace(
                self.profiles[j],
                active_clients=active[j],
                track=matching.TrackRecord(
                    offers_received=answered[j][0],
                    offers_accepted=answered[j][1],
                    median_response_hours=statistics.median(answered[j][2]),
                ),
            )
        for plan in self.plans:
            plan.offers = [offer for offer in plan.offers if not offer.dropped]

    def _send(self, plan, offer, moment):
        """Choose the agency as the firm would from the ranking at `moment`; False if none."""
        profile = self._request_profile(plan, timezone.localtime(moment).date())
        # Agencies that never qualify for this request score NaN at every moment, so
        # scoring only the others ranks exactly as over all agencies, in less time.
        columns = [
            j
            for j in self.ever_approved
            if profile.item_ids <= self.profiles[j].service_item_ids
            and profile.firm_id not in self.profiles[j].conflict_firm_ids
        ]
        scores = matching.score_matrix([profile], [self.profiles[j] for j in columns])[0]
        score_of = {
            j: value for j, value in zip(columns, scores, strict=True) if not np.isnan(value)
        }
        ranked = sorted(score_of, key=lambda j: (-score_of[j], self.profiles[j].id))
        tried = {earlier.agency for earlier in plan.offers if earlier.agency is not None}
        feasible = [j for j in ranked if j not in tried and self._can_take(j, offer)]
        if not feasible:
            return False
        if offer.to_demo_agency and 0 in feasible:
            chosen = 0
        else:
            top = feasible[: len(PICK_WEIGHTS)]
            chosen = self.rng.choices(top, weights=PICK_WEIGHTS[: len(top)])[0]
        if offer.outcome == Offer.Status.ACCEPTED:
            self.bound[chosen] += 1
        candidate = matching.score(profile, self.profiles[chosen])
        offer.agency = chosen
        offer.rank = ranked.index(chosen) + 1
        offer.score = Decimal(str(candidate.score))
        offer.reasons = [
            {"code": reason.code, "params": offer_actions._jsonable(reason.params)}
            for reason in candidate.reasons
        ]
        return True

    def _can_take(self, j, offer):
        agency = self.agencies[j]
        if offer.outcome == Offer.Status.ACCEPTED:
            # offer_accept refuses an agency that is no longer approved.
            suspended = self.s.agency_moments[j].get("suspended")
            if suspended is not None and suspended <= offer.responded_at:
                return False
            return self.bound[j] < self.limit[j]
        if offer.outcome == Offer.Status.PENDING:
            # Still pending today, so the agency must be able to accept it now.
            return agency.status == Agency.Status.APPROVED and agency.licence_valid_on(self.s.today)
        return True

    def _cut(self, plan, offer):
        """No candidate was left: the request stays open and the rest of its story never happens."""
        position = plan.offers.index(offer)
        for later in plan.offers[position:]:
            later.dropped = True
        plan.withdrawn_at = None
        plan.withdraw_reason = ""

    # --- rows ----------------------------------------------------------------------

    def _write(self):
        _insert_as_of(ConflictOfInterest, self.conflicts)
        requests = []
        for plan in self.plans:
            plan.row = CustodyRequest(
                firm=self.firms[plan.firm],
                programme_year=self.year,
                needs=plan.needs,
                status=plan.status,
                created_by=self.s.firm_members[plan.firm],
                submitted_at=plan.submitted_at,
            )
            requests.append(_check(plan.row, exclude=_relations(CustodyRequest)))
        _insert_as_of(CustodyRequest, requests)
        RequestItem.objects.bulk_create(
            (
                _check(
                    RequestItem(
                        request=plan.row,
                        service_item=self.items[code],
                        quota=quota,
                        is_extra=not self.package[code].is_standard,
                    ),
                    exclude=_relations(RequestItem),
                )
                for plan in self.plans
                for code, quota in plan.items
            ),
            batch_size=1000,
        )

        offers = []
        for plan in self.plans:
            for offer in plan.offers:
                responder = {
                    Offer.Status.ACCEPTED: self.s.agency_staff[offer.agency],
                    Offer.Status.DECLINED: self.s.agency_staff[offer.agency],
                    Offer.Status.WITHDRAWN: self.s.firm_members[plan.firm],
                }.get(offer.outcome)
                offer.row = Offer(
                    request=plan.row,
                    agency=self.agencies[offer.agency],
                    status=offer.outcome,
                    source=Offer.Source.FIRM_CHOICE,
                    score=offer.score,
                    rank=offer.rank,
                    reasons=offer.reasons,
                    sent_at=offer.sent_at,
                    respond_by=offer.respond_by,
                    deadline_provisional=offer.provisional,
                    responded_at=offer.responded_at,
                    responded_by=responder,
                    decline_reason=offer.reason,
                    expiry_warned_at=offer.warned_at,
                )
                offers.append(_check(offer.row, exclude=_relations(Offer)))
        _insert_as_of(Offer, offers)

        engagements = []
        for plan in self.plans:
            if plan.status != CustodyRequest.Status.ENGAGED:
                continue
            offer = plan.offers[-1]
            starts_on = timezone.localtime(offer.responded_at).date()
            plan.engagement = Engagement(
                request=plan.row,
                offer=offer.row,
                firm=self.firms[plan.firm],
                agency=self.agencies[offer.agency],
                programme_year=self.year,
                starts_on=starts_on,
                ends_on=engagement_actions._one_year_after(starts_on),
                package_price=plan.price,
                government_amount=plan.government,
                copay_amount=plan.copay,
                government_share=self.year.government_share,
                copay_cap=self.year.copay_cap,
                created_at=offer.responded_at,
            )
            engagements.append(_check(plan.engagement, exclude=_relations(Engagement)))
        _insert_as_of(Engagement, engagements)
        seed_engagement_payments(engagements, officer=self.s.officer, rng=self.rng)
        EngagementItem.objects.bulk_create(
            (
                _check(
                    EngagementItem(
                        engagement=plan.engagement,
                        service_item=self.items[code],
                        quota=quota,
                        unit_price=self.items[code].unit_price,
                    ),
                    exclude=_relations(EngagementItem),
                )
                for plan in self.plans
                if plan.engagement is not None
                for code, quota in plan.items
            ),
            batch_size=1000,
        )

    def _propose_change(self):
        """One firm asks to move to another agency, for the programme office to decide."""
        hour = datetime.timedelta(hours=1)
        engaged = [plan for plan in self.plans if plan.engagement is not None]
        engaged.sort(key=lambda plan: self.firms[plan.firm].incubator_id != self.demo_incubator.pk)
        for plan in engaged:
            current = plan.offers[-1].agency
            start = max(plan.offers[-1].responded_at + 24 * hour, self.s.anchor - 40 * hour)
            if start >= self.s.anchor - hour:
                continue
            profile = self._request_profile(plan, self.s.today)
            # agency_change_approve checks the new agency against matching's hard constraints.
            options = [
                j
                for j in range(len(self.agencies))
                if j != current
                and self.agencies[j].status == Agency.Status.APPROVED
                and self.bound[j] < self.limit[j]
                and matching.check_constraints(profile, self.profiles[j]) is None
            ]
            if not options:
                continue
            new_agency = self.agencies[self.rng.choice(options)]
            member = self.s.firm_members[plan.firm]
            self.change = AgencyChange(
                engagement=plan.engagement,
                new_agency=new_agency,
                reason=self.rng.choice(CHANGE_REASONS),
                requested_by=member,
                requested_at=self.s._between(start, self.s.anchor - hour),
            )
            _insert_as_of(AgencyChange, [_check(self.change, exclude=_relations(AgencyChange))])
            self.s._event(
                at=self.change.requested_at,
                actor=member,
                action="engagement.change_requested",
                subject=plan.engagement,
                reason=self.change.reason,
                data={"new_agency": new_agency.pk},
            )
            self._notify(
                [self.s.officer],
                "change_requested",
                {
                    "firm": self.firms[plan.firm].name,
                    "agency": plan.engagement.agency.name,
                    "new_agency": new_agency.name,
                },
                at=self.change.requested_at,
            )
            return

    # --- audit trail and notices ---------------------------------------------------------

    def _notify(self, users, kind, params, *, at):
        self.notifications.extend(
            Notification(user=user, kind=kind, params=params, created_at=at) for user in users
        )

    def _respond_by_text(self, offer):
        with translation.override(settings.LANGUAGE_CODE):
            return date_format(timezone.localtime(offer.respond_by), "DATETIME_FORMAT")

    def _notify_history(self):
        """The audit events and notices each action on the way would have written."""
        statuses = CustodyRequest.Status
        for plan in self.plans:
            request, firm = plan.row, self.firms[plan.firm]
            member = self.s.firm_members[plan.firm]
            event = self.s._event
            event(
                at=plan.submitted_at,
                actor=member,
                action="request.submitted",
                subject=request,
                to_state=statuses.OPEN,
            )
            self._notify(
                [self.managers[firm.incubator_id]],
                "request_submitted",
                {"firm": firm.name, "request_id": request.pk},
                at=plan.submitted_at,
            )
            state = statuses.OPEN
            for offer in plan.offers:
                row, agency = offer.row, self.agencies[offer.agency]
                staff = self.s.agency_staff[offer.agency]
                event(
                    at=offer.sent_at,
                    actor=member,
                    action="offer.sent",
                    subject=row,
                    to_state=Offer.Status.PENDING,
                    # "source" marks seeded events, so the offer's own source gets its own key.
                    data={"offer_source": row.source, "rank": row.rank},
                )
                event(
                    at=offer.sent_at,
                    actor=member,
                    action="request.offered",
                    subject=request,
                    from_state=state,
                    to_state=statuses.OFFERED,
                )
                state = statuses.OFFERED
                respond_by = self._respond_by_text(offer)
                self._notify(
                    [staff],
                    "offer_received",
                    {
                        "firm": firm.name,
                        "offer_id": row.pk,
                        "agency": agency.name,
                        "respond_by": respond_by,
                    },
                    at=offer.sent_at,
                )
                if offer.warned_at is not None:
                    self._notify(
                        [staff],
                        "offer_expiring",
                        {"firm": firm.name, "offer_id": row.pk, "respond_by": respond_by},
                        at=offer.warned_at,
                    )
                if offer.outcome == Offer.Status.PENDING:
                    continue
                by = {
                    Offer.Status.DECLINED: staff,
                    Offer.Status.ACCEPTED: staff,
                    Offer.Status.WITHDRAWN: member,
                }.get(offer.outcome)
                event(
                    at=offer.responded_at,
                    actor=by,
                    action=f"offer.{offer.outcome}",
                    subject=row,
                    from_state=Offer.Status.PENDING,
                    to_state=offer.outcome,
                    reason=offer.reason,
                )
                if offer.outcome == Offer.Status.WITHDRAWN:
                    self._notify(
                        [staff],
                        "offer_withdrawn",
                        {"firm": firm.name, "offer_id": row.pk},
                        at=offer.responded_at,
                    )
                elif offer.outcome == Offer.Status.ACCEPTED:
                    event(
                        at=offer.responded_at,
                        actor=staff,
                        action="request.engaged",
                        subject=request,
                        from_state=statuses.OFFERED,
                        to_state=statuses.ENGAGED,
                    )
                    event(
                        at=offer.responded_at,
                        actor=staff,
                        action="engagement.started",
                        subject=plan.engagement,
                        to_state=Engagement.Status.ACTIVE,
                        data={
                            "government_amount": str(plan.government),
                            "copay_amount": str(plan.copay),
                        },
                    )
                    self._notify(
                        [member],
                        "offer_accepted",
                        {"firm": firm.name, "agency": agency.name, "request_id": request.pk},
                        at=offer.responded_at,
                    )
                else:
                    event(
                        at=offer.responded_at,
                        actor=by,
                        action="request.reopened",
                        subject=request,
                        from_state=statuses.OFFERED,
                        to_state=statuses.OPEN,
                    )
                    state = statuses.OPEN
                    self._notify(
                        [member],
                        f"offer_{offer.outcome}",
                        {
                            "firm": firm.name,
                            "agency": agency.name,
                            "reason": offer.reason,
                            "request_id": request.pk,
                        },
                        at=offer.responded_at,
                    )
            if plan.withdrawn_at is not None:
                event(
                    at=plan.withdrawn_at,
                    actor=member,
                    action="request.withdrawn",
                    subject=request,
                    from_state=state,
                    to_state=statuses.WITHDRAWN,
                    reason=plan.withdraw_reason,
                )
        # Older notices have been read; those of the last three days wait for their reader.
        read_before = self.s.anchor - datetime.timedelta(days=3)
        for notice in self.notifications:
            if notice.created_at < read_before:
                notice.read_at = self.s._between(
                    notice.created_at + datetime.timedelta(minutes=10),
                    min(notice.created_at + datetime.timedelta(hours=36), read_before),
                )
            _check(notice, exclude=_relations(Notification))
        self.notifications.sort(key=lambda notice: notice.created_at)
        _insert_as_of(Notification, self.notifications)
