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
