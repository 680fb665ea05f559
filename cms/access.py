"""Who may use the Wagtail admin: CMS editors and programme officers, through two groups.

The groups and their permissions are set up by migration (cms 0003); a user's
membership follows their role and is brought up to date each time they log in.
"""

from django.contrib.auth.models import Group

EDITORS = "Editors"
MODERATORS = "Moderators"
GROUPS_BY_ROLE = {
    "cms_editor": EDITORS,
    "programme_officer": MODERATORS,
}


def cms_groups_for(user):
    name = GROUPS_BY_ROLE.get(user.role)
    return {name} if name else set()


def sync_cms_groups(user):
    """Add the role's CMS group and remove the other one; other groups are left alone."""
    wanted = cms_groups_for(user)
    current = set(
        user.groups.filter(name__in=GROUPS_BY_ROLE.values()).values_list("name", flat=True)
    )
    if wanted == current:
        return
    for group in Group.objects.filter(name__in=current - wanted):
        user.groups.remove(group)
    for group in Group.objects.filter(name__in=wanted - current):
        user.groups.add(group)
