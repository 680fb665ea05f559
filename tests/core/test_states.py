"""Every state machine is a table beside its model, and one module makes its moves.

The tables are walked (every state reachable, nothing listed that the model cannot hold),
`core.states` refuses a move the table does not list, and the source tree is read to prove
that no module other than a machine's owner writes its status.
"""

import ast
from pathlib import Path

import pytest

from core import states
from core.errors import InvalidTransition
from custody.models import ServiceRecord, Settlement
from custody.payments.models import CoPayment, Payout, Refund
from marketplace.models import AgencyChange, AllocationRun, CustodyRequest, Engagement, Offer
from webhooks.models import Delivery

ROOT = Path(__file__).resolve().parents[2]

# model → the one module that may change its status
OWNERS = {
    CustodyRequest: "marketplace/actions/requests.py",
    Offer: "marketplace/actions/offers.py",
    Engagement: "marketplace/actions/engagements.py",
    AgencyChange: "marketplace/actions/agency_changes.py",
    AllocationRun: "marketplace/actions/allocation_runs.py",
    ServiceRecord: "custody/actions/services.py",
    Settlement: "custody/actions/settlements.py",
    CoPayment: "custody/payments/actions/copayments.py",
    Refund: "custody/payments/actions/refunds.py",
    Payout: "custody/payments/actions/payouts.py",
    Delivery: "webhooks/actions/deliveries.py",
}
# The benchmarks' scale seed inserts final states in bulk, behind one clearly named module.
BULK_SEED = {"demo/bulk.py"}
PRODUCT_APPS = (
    "core",
    "marketplace",
    "custody",
    "webhooks",
    "cms",
    "chat",
    "reporting",
    "demo",
    "frontend",
)


@pytest.mark.parametrize("model", OWNERS, ids=lambda model: model.__name__)
def test_every_state_is_reachable_and_every_move_names_real_states(model):
    statuses = set(model.Status.values)
    for source, target in model.TRANSITIONS:
        assert source is None or source in statuses
        assert target in statuses
    assert states.reachable(model) == statuses
    # A row is created in a state, never moved back to "not created".
    assert all(target is not None for _source, target in model.TRANSITIONS)


@pytest.mark.parametrize("model", OWNERS, ids=lambda model: model.__name__)
def test_moves_outside_the_table_are_refused(model):
    statuses = list(model.Status.values)
    for source in [None, *statuses]:
        for target in statuses:
            if (source, target) in model.TRANSITIONS:
                states.check(model, source, target)
            else:
                with pytest.raises(InvalidTransition):
                    states.check(model, source, target)


def test_a_refused_transition_leaves_the_row_as_it_was():
    class Row:
        TRANSITIONS = Engagement.TRANSITIONS
        _meta = Engagement._meta
        status = Engagement.Status.COMPLETED

        def save(self, **kwargs):
            raise AssertionError("a refused move must not be saved")

    row = Row()
    with pytest.raises(InvalidTransition):
        states.transition(row, Engagement.Status.ACTIVE, by=None, action="engagement.activated")
    assert row.status == Engagement.Status.COMPLETED


def _status_writes(tree, model_names):
    """(line, model) of every write of `<Model>.Status.X` as a status in this module."""

    def model_of(node):
        # <Model>.Status.<MEMBER>
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Attribute)
            and node.value.attr == "Status"
            and isinstance(node.value.value, ast.Name)
            and node.value.value.id in model_names
        ):
            return node.value.value.id
        return None

    writes = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            if any(isinstance(t, ast.Attribute) and t.attr == "status" for t in node.targets):
                for value in ast.walk(node.value):
                    if model_of(value):
                        writes.append((node.lineno, model_of(value)))
        elif isinstance(node, ast.Call):
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            if name in {"create", "update", "bulk_create", "update_or_create", "get_or_create"} or (
                name in model_names
            ):
                for keyword in node.keywords:
                    if keyword.arg == "status":
                        for value in ast.walk(keyword.value):
                            if model_of(value):
                                writes.append((node.lineno, model_of(value)))
            if name == "transition" and len(node.args) >= 2 and model_of(node.args[1]):
                writes.append((node.lineno, model_of(node.args[1])))
    return writes


def test_only_the_owning_module_writes_a_machines_status():
    owners = {model.__name__: path for model, path in OWNERS.items()}
    strays = []
    for app in PRODUCT_APPS:
        for path in (ROOT / app).rglob("*.py"):
            relative = path.relative_to(ROOT).as_posix()
            if "/migrations/" in relative or relative in BULK_SEED:
                continue
            for line, model in _status_writes(ast.parse(path.read_text()), owners):
                if relative != owners[model]:
                    strays.append(f"{relative}:{line} writes {model}.status")
    assert strays == []


def test_the_scan_finds_a_stray_write():
    # The guard itself must see the writes it forbids.
    code = (
        "engagement.status = Engagement.Status.ACTIVE\n"
        "Offer.objects.filter(pk=1).update(status=Offer.Status.EXPIRED)\n"
        "Settlement.objects.create(status=Settlement.Status.RATED)\n"
        "states.transition(record, ServiceRecord.Status.CONFIRMED, by=None, action='x')\n"
    )
    found = _status_writes(ast.parse(code), {m.__name__ for m in OWNERS})
    assert [model for _line, model in found] == [
        "Engagement",
        "Offer",
        "Settlement",
        "ServiceRecord",
    ]
