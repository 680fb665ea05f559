"""Reference lists shared by the marketplace models, forms and matching."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class District(models.TextChoices):
    """The 11 districts of Nanjing, coded by their administrative division codes."""

    XUANWU = "320102", _("Xuanwu")
    QINHUAI = "320104", _("Qinhuai")
    JIANYE = "320105", _("Jianye")
    GULOU = "320106", _("Gulou")
    PUKOU = "320111", _("Pukou")
    QIXIA = "320113", _("Qixia")
    YUHUATAI = "320114", _("Yuhuatai")
    JIANGNING = "320115", _("Jiangning")
    LUHE = "320116", _("Luhe")
    LISHUI = "320117", _("Lishui")
    GAOCHUN = "320118", _("Gaochun")


# Districts that share a border, used by matching for "neighbouring district".
DISTRICT_NEIGHBOURS = {
    District.XUANWU: {District.QINHUAI, District.GULOU, District.QIXIA, District.JIANGNING},
    District.QINHUAI: {
        District.XUANWU,
        District.JIANYE,
        District.GULOU,
        District.YUHUATAI,
        District.JIANGNING,
        District.QIXIA,
    },
    District.JIANYE: {District.QINHUAI, District.GULOU, District.YUHUATAI, District.PUKOU},
    District.GULOU: {
        District.XUANWU,
        District.QINHUAI,
        District.JIANYE,
        District.PUKOU,
        District.QIXIA,
    },
    District.PUKOU: {District.GULOU, District.JIANYE, District.LUHE, District.QIXIA},
    District.QIXIA: {
        District.XUANWU,
        District.GULOU,
        District.QINHUAI,
        District.JIANGNING,
        District.LUHE,
        District.PUKOU,
    },
    District.YUHUATAI: {District.QINHUAI, District.JIANYE, District.JIANGNING},
    District.JIANGNING: {
        District.XUANWU,
        District.QINHUAI,
        District.YUHUATAI,
        District.QIXIA,
        District.LISHUI,
    },
    District.LUHE: {District.PUKOU, District.QIXIA},
    District.LISHUI: {District.JIANGNING, District.GAOCHUN},
    District.GAOCHUN: {District.LISHUI},
}


class Industry(models.TextChoices):
    """The programme's priority industries, plus a catch-all."""

    INTEGRATED_CIRCUITS = "ic", _("Integrated circuits")
    INTELLIGENT_MANUFACTURING = "manufacturing", _("Intelligent manufacturing")
    BIOMEDICINE = "biomedicine", _("Biomedicine")
    NEW_ENERGY_VEHICLES = "nev", _("New-energy vehicles")
    ARTIFICIAL_INTELLIGENCE = "ai", _("Artificial intelligence")
    FUTURE_NETWORKS = "future_networks", _("Future networks")
    NEW_MATERIALS = "materials", _("New materials")
    NETWORKS_COMMUNICATIONS = "communications", _("Networks and communications")
    OTHER = "other", _("Other")


class SmeSector(models.TextChoices):
    """Sectors of the SME standard (工信部联企业〔2011〕300号, marketplace.sme), which set the
    size bounds of a small firm; empty on a firm means its industry's usual sector."""

    AGRICULTURE = "agriculture", _("Agriculture, forestry, animal husbandry and fishery")
    INDUSTRY = "industry", _("Industry (mining, manufacturing, utilities)")
    CONSTRUCTION = "construction", _("Construction")
    WHOLESALE = "wholesale", _("Wholesale")
    RETAIL = "retail", _("Retail")
    TRANSPORT = "transport", _("Transport")
    WAREHOUSING = "warehousing", _("Warehousing")
    POSTAL = "postal", _("Postal services")
    ACCOMMODATION = "accommodation", _("Accommodation")
    CATERING = "catering", _("Catering")
    INFORMATION_TRANSMISSION = "information_transmission", _("Information transmission")
    SOFTWARE_IT = "software_it", _("Software and information technology services")
    REAL_ESTATE = "real_estate", _("Real estate development")
    PROPERTY_MANAGEMENT = "property_management", _("Property management")
    LEASING_BUSINESS = "leasing_business", _("Leasing and business services")
    OTHER = "other", _("Other sectors")


class RevenueBand(models.TextChoices):
    """Annual revenue bands, ordered; thresholds compare by position."""

    UNDER_1M = "lt1m", _("Under ¥1 million")
    FROM_1M_TO_5M = "1m-5m", _("¥1–5 million")
    FROM_5M_TO_20M = "5m-20m", _("¥5–20 million")
    FROM_20M_TO_50M = "20m-50m", _("¥20–50 million")
    OVER_50M = "gt50m", _("Over ¥50 million")

    @classmethod
    def rank(cls, value):
        return list(cls.values).index(value)


class CustodyArea(models.TextChoices):
    """The seven areas a custody package covers."""

    CONSULTING = "consulting", _("Consulting")
    TRAINING = "training", _("Training and coaching")
    INFORMATION = "information", _("IP information")
    FILING = "filing", _("Filing and registration")
    MAINTENANCE = "maintenance", _("Fees and deadlines")
    COMMERCIALISATION = "commercialisation", _("Commercialisation")
    PROTECTION = "protection", _("Protection and enforcement")


# Words people use for each industry, in both languages, for industry fit in matching.
INDUSTRY_KEYWORDS = {
    Industry.INTEGRATED_CIRCUITS: "集成电路 芯片 半导体 布图设计 封装 integrated circuits semiconductor chip layout design",
    Industry.INTELLIGENT_MANUFACTURING: "智能制造 装备 机器人 自动化 工业互联网 intelligent manufacturing robotics automation equipment",
    Industry.BIOMEDICINE: "生物医药 医疗器械 药物 抗体 诊断 biomedicine pharmaceutical medical device drug antibody diagnostics",
    Industry.NEW_ENERGY_VEHICLES: "新能源汽车 电池 电机 电控 充电 new-energy vehicles battery electric motor charging",
    Industry.ARTIFICIAL_INTELLIGENCE: "人工智能 算法 机器学习 软件 计算机视觉 artificial intelligence algorithm machine learning software vision",
    Industry.FUTURE_NETWORKS: "未来网络 网络架构 软件定义网络 算力网络 future networks network architecture sdn",
    Industry.NEW_MATERIALS: "新材料 复合材料 纳米 化工 高分子 new materials composites nano chemical polymer",
    Industry.NETWORKS_COMMUNICATIONS: "网络与通信 通信 5G 射频 光通信 物联网 communications 5g radio optical iot",
    Industry.OTHER: "",
}

# Words for the IP services themselves, in both languages; with the industry words
# above they form the vocabulary matching compares a firm's needs and an agency's
# expertise over, so filler words in free text do not dilute the fit.
IP_SERVICE_TERMS = (
    "专利 发明 实用新型 外观设计 专利申请 专利挖掘 专利布局 专利导航 专利检索 专利分析 审查意见 答复 无效 复审 "
    "商标 商标注册 品牌 商标监测 异议 续展 驳回 版权 著作权 软著 软件著作权 集成电路布图设计 布图设计 "
    "年费 期限 托管 监控 侵权 维权 诉讼 仿制 预警 许可 转让 质押 运营 交易 评估 合同 技术合同 "
    "培训 咨询 诊断 信息 检索 分析 研发 量产 上市 海外 PCT 布局 保护 "
    "patent invention utility design drafting prosecution filing search analysis navigation opposition "
    "trademark brand copyright software renewal annual fee deadline infringement enforcement litigation "
    "licensing license transfer pledge valuation training consulting diagnosis watch"
)
