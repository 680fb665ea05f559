"""The demo programme: a realistic, deterministic Nanjing data set for trying the portals.

`seed()` fills an empty database in one transaction: high-tech parks,
incubators with their managers, the service catalogue, this year's programme
with its package, agencies with licences and staff, firms with members, the
four demo logins, and the audit events that the same states reached through
`marketplace.actions` would have written. Rows go in with `bulk_create` so that
thousands of firms take seconds; each row is validated with `full_clean()`
first, and the database enforces uniqueness and check constraints on insert.
The same seed and sizes give the same data.
"""

import datetime
import random
import time
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal

from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from marketplace.choices import DISTRICT_NEIGHBOURS, CustodyArea, District, Industry, RevenueBand
from marketplace.credit_codes import make_credit_code
from marketplace.models import (
    Agency,
    AuditEvent,
    Firm,
    HighTechPark,
    Incubator,
    PackageItem,
    ProgrammeYear,
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


class _Seeder:
    def __init__(self, *, seed):
        self.rng = random.Random(seed)
        self.today = timezone.localdate()
        self.now = timezone.now()
        # The demo password is published; one hash serves the four logins (each costs ~0.4 s).
        self.demo_password = make_password(DEMO_PASSWORD)
        self.events = []
        self.used_names = set()
        self.firm_type = ContentType.objects.get_for_model(Firm)
        self.agency_type = ContentType.objects.get_for_model(Agency)

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
        AuditEvent.objects.bulk_create(self.events, batch_size=2000)
        return {
            "parks": len(parks),
            "incubators": len(incubator_rows),
            "service items": len(items),
            "package items": year.package_items.count(),
            "agencies": len(agency_rows),
            "firms": len(firm_rows),
            "users": 1 + len(incubator_rows) + len(agency_rows) + len(firm_rows),
            "audit events": len(self.events),
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

    def _event(self, *, actor, action, subject, from_state="", to_state="", reason=""):
        if isinstance(subject, Firm):
            subject_type = self.firm_type
            parties = {"firm": subject, "incubator_id": subject.incubator_id}
        else:
            subject_type = self.agency_type
            parties = {"agency": subject}
        self.events.append(
            AuditEvent(
                actor=actor,
                action=action,
                subject_type=subject_type,
                subject_id=str(subject.pk),
                subject_repr=str(subject)[:200],
                from_state=from_state,
                to_state=to_state,
                reason=reason,
                data=_SOURCE,
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
            opens_on=min(datetime.date(year_number, 3, 1), self.today),
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
        others = list(range(1, count))
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
        rows, offered = [], []
        for index in range(count):
            demo = index == 0
            kind = (
                Agency.Kind.PATENT_AGENCY
                if demo
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
            valid_from = valid_until - datetime.timedelta(days=5 * 365)
            licence_counters[kind] += 1
            sequence = licence_counters[kind]
            licence_number = {
                Agency.Kind.PATENT_AGENCY: f"32{100 + sequence}",
                Agency.Kind.TRADEMARK_AGENCY: f"TM{valid_from.year}32{sequence:04d}",
                Agency.Kind.LAW_FIRM: f"3{district}{valid_from.year}1{sequence:05d}",
            }[kind]
            core, optional = AGENCY_SERVICES[kind]
            codes_offered = (
                [entry.code for entry in CATALOGUE]
                if demo
                else list(core) + [code for code in optional if self.rng.random() < 0.5]
            )
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
            self._set_agency_state(agency, state)
            rows.append(_check(agency))
            offered.append(codes_offered)
        Agency.objects.bulk_create(rows)

        through = Agency.service_items.through
        through.objects.bulk_create(
            through(agency_id=agency.pk, serviceitem_id=items[code].pk)
            for agency, codes_offered in zip(rows, offered, strict=True)
            for code in codes_offered
        )
        staff = []
        for index, agency in enumerate(rows):
            if index == 0:
                admin = self._demo_user("demo-agency", agency=agency, is_agency_admin=True)
            else:
                admin = self._staff_user(
                    f"agency-{index:04d}",
                    User.Role.AGENCY_STAFF,
                    f"{agency.name}管理员",
                    agency=agency,
                    is_agency_admin=True,
                )
            staff.append(_check(admin, exclude=["password", "agency"]))
        User.objects.bulk_create(staff)
        for agency, admin in zip(rows, staff, strict=True):
            self._agency_events(agency, admin)
        return rows

    def _set_agency_state(self, agency, state):
        if state.startswith("applied"):
            agency.status = Agency.Status.APPLIED
        elif state == "rejected":
            agency.status = Agency.Status.REJECTED
            agency.status_reason = self.rng.choice(AGENCY_REJECTION_REASONS)
        else:
            # Approved while the licence was valid; suspended ones were approved first.
            agency.approved_at = self._past_moment(
                agency.licence_valid_from, min_days=10, max_days=120
            )
            agency.status = Agency.Status.APPROVED
            if state == "suspended":
                agency.status = Agency.Status.SUSPENDED
                agency.status_reason = self.rng.choice(AGENCY_SUSPENSION_REASONS)

    def _agency_events(self, agency, admin):
        applied = Agency.Status.APPLIED
        self._event(actor=admin, action="agency.applied", subject=agency, to_state=applied)
        if agency.status == applied:
            return
        if agency.status == Agency.Status.REJECTED:
            self._event(
                actor=self.officer,
                action="agency.rejected",
                subject=agency,
                from_state=applied,
                to_state=agency.status,
                reason=agency.status_reason,
            )
            return
        self._event(
            actor=self.officer,
            action="agency.approved",
            subject=agency,
            from_state=applied,
            to_state=Agency.Status.APPROVED,
        )
        if agency.status == Agency.Status.SUSPENDED:
            self._event(
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
        return self.rng.choices(Firm.Verification.values, weights=(17, 78, 5))[0]

    def _firms(self, count, incubators, managers, codes):
        industries = [code for code, _weight in INDUSTRY_WEIGHTS]
        industry_weights = [weight for _code, weight in INDUSTRY_WEIGHTS]
        incubator_weights = [self.rng.uniform(0.5, 2.0) for _ in incubators]
        rows = []
        for index in range(count):
            if index < 2:
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
                description=f"专注于{self.rng.choice(focuses)}的研发与产业化。",
                verification=self._firm_verification(index),
            )
            if firm.verification != Firm.Verification.PENDING:
                # Confirmed (or turned down) by the incubator's manager soon after admission.
                firm.verified_at = self._past_moment(admitted_on, min_days=3, max_days=30)
                firm.verified_by = managers[slot]
            if firm.verification == Firm.Verification.REJECTED:
                firm.verification_reason = self.rng.choice(FIRM_REJECTION_REASONS)
            rows.append(_check(firm, exclude=["incubator", "verified_by"]))
        Firm.objects.bulk_create(rows, batch_size=1000)

        members = []
        for index, firm in enumerate(rows):
            if index == 0:
                member = self._demo_user("demo-firm", firm=firm)
            else:
                member = self._staff_user(
                    f"firm-{index:05d}", User.Role.FIRM_MEMBER, f"{firm.name}联系人", firm=firm
                )
            members.append(_check(member, exclude=["password", "firm"]))
        User.objects.bulk_create(members, batch_size=1000)

        for firm, member in zip(rows, members, strict=True):
            self._event(
                actor=member,
                action="firm.registered",
                subject=firm,
                to_state=Firm.Verification.PENDING,
            )
            if firm.verification == Firm.Verification.PENDING:
                continue
            self._event(
                actor=firm.verified_by,
                action=f"firm.{firm.verification}",
                subject=firm,
                from_state=Firm.Verification.PENDING,
                to_state=firm.verification,
                reason=firm.verification_reason,
            )
        return rows
