"""Django admin for the programme office.

States (verification, approval) are read-only here: they change through the
admin actions, which call marketplace.actions like every other entry point.
Adding or editing an incubator, firm or agency goes through
participant_create / participant_update, so each writes its audit event.

Requests, offers, engagements, changes of agency, allocation runs and
notifications are read-only: their states change through actions alone, a
few of them offered here as admin actions (expire overdue offers, approve a
change of agency, commit an allocation preview). Decisions that need a
reason (refusals, cancellations) are taken in the portal, which asks for it.
Declared conflicts of interest are plain records that officers edit.
"""

from marketplace.admin import contracting, participants, programme  # noqa: F401
