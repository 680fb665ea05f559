"""The demo programme's reference data: its logins, Nanjing's districts, roads, high-tech
parks and incubators, the service catalogue and this year's package and money rules."""

from dataclasses import dataclass
from decimal import Decimal

from marketplace.choices import CustodyArea, District
from marketplace.models import Incubator, ServiceItem, User

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
