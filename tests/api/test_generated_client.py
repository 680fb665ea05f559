"""An agency's integration through a client generated from the served schema (issue #17).

The schema is fetched from a live server, `openapi-python-client` generates a Python client
from it in a subprocess (the command an agency runs, printed by GENERATE below), every module
of the client is imported, and the journey below uses nothing but that client:

  1. token (the agency's staff member and the firm's member sign in);
  2. client firms (none before the offer is accepted);
  3. offers (the one waiting);
  4. accept (retried with its Idempotency-Key: the first answer again, no second engagement);
  5. engagements (active, its items);
  6. assets (the agency adds a patent to its client's portfolio);
  7. deadlines (derived from it at once);
  8. service records, the first with an evidence file (and that multipart POST retried with
     its key: the same record, nothing stored twice), every quota delivered;
  9. the firm's confirmation of each record (as the firm);
 10. the firm rates the agency and the agency reads the settlement;
 11. a webhook received and verified: an endpoint registered through the client, the
     settlement approved, the signed delivery checked with the guide's snippet.

Schemas fetched in zh-hans and in English are identical, so one client serves every language.
"""

import importlib
import io
import json
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from custody import actions as custody_actions
from custody.models import EvidenceFile, ServiceRecord
from marketplace import actions as marketplace_actions
from marketplace.models import Engagement
from tests.custody.service_helpers import PDF, temporary_private_storage
from tests.factories import PASSWORD
from tests.marketplace.conftest import programme  # noqa: F401 (fixture reused here)
from tests.webhooks.conftest import receiver  # noqa: F401 (fixture reused here)
from webhooks.verification import verify_webhook

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PACKAGE = "ipc_client"
# What an agency's developer runs (the closing note of issue #17 quotes it).
GENERATE = (
    "openapi-python-client generate --url {url} --output-path {output} --meta none --overwrite"
)


@pytest.fixture
def private_storage(tmp_path, monkeypatch):
    return temporary_private_storage(tmp_path, monkeypatch)


def _schema_url(live_server):
    return f"{live_server.url}/api/schema/?format=json"


def _generate(live_server, where):
    output = where / PACKAGE
    command = GENERATE.format(url=_schema_url(live_server), output=output).split()
    tool = Path(sys.executable).parent / command[0]
    environment = {**os.environ, "PATH": f"{tool.parent}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(  # noqa: S603 — our own tool, arguments built here
        [str(tool), *command[1:]],
        capture_output=True,
        text=True,
        timeout=300,
        env=environment,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert (output / "client.py").exists(), done.stdout
    return output


def _import_every_module(where):
    sys.path.insert(0, str(where))
    importlib.invalidate_caches()  # the folder is newer than the import system's listings
    try:
        package = importlib.import_module(PACKAGE)
        names = [info.name for info in pkgutil.walk_packages(package.__path__, f"{PACKAGE}.")]
        failures = []
        for name in names:
            try:
                importlib.import_module(name)
            except Exception as error:  # noqa: BLE001 — every failing module is reported
                failures.append(f"{name}: {error!r}")
        assert failures == []
        return names
    finally:
        sys.path.remove(str(where))


def _forget_client():
    for name in [name for name in sys.modules if name.split(".")[0] == PACKAGE]:
        del sys.modules[name]


def test_schemas_fetched_in_chinese_and_english_are_identical(live_server):
    url = _schema_url(live_server)
    chinese = httpx.get(url, headers={"Accept-Language": "zh-hans"}, timeout=60)
    english = httpx.get(url, headers={"Accept-Language": "en"}, timeout=60)
    assert chinese.status_code == english.status_code == 200
    assert chinese.content == english.content
    assert "Problem" in english.json()["components"]["schemas"]


def test_an_agency_integrates_through_the_generated_client(
    live_server,
    tmp_path,
    personas,
    programme,  # noqa: F811
    private_storage,
    receiver,  # noqa: F811
    settings,
):
    settings.WEBHOOKS_ALLOW_LOCAL = True  # the local receiver is on 127.0.0.1, over http
    where = _generate(live_server, tmp_path).parent
    modules = _import_every_module(where)
    assert len(modules) > 100
    sys.path.insert(0, str(where))
    try:
        _journey(live_server.url, personas, programme, receiver)
    finally:
        sys.path.remove(str(where))
        _forget_client()


def _journey(base_url, personas, programme, receiver):  # noqa: F811, PLR0915 — one story, told in order
    client_module = importlib.import_module(PACKAGE)
    api = importlib.import_module(f"{PACKAGE}.api")
    models = importlib.import_module(f"{PACKAGE}.models")
    types = importlib.import_module(f"{PACKAGE}.types")
    accounts = importlib.import_module(f"{PACKAGE}.api.accounts.v1_auth_token_create")
    call = {
        name: importlib.import_module(f"{PACKAGE}.api.{module}")
        for name, module in {
            "client_firms": "client_firms.v1_client_firms_list",
            "offers": "offers.v1_offers_list",
            "accept": "offers.v1_offers_accept_create",
            "engagements": "engagements.v1_engagements_list",
            "engagement": "engagements.v1_engagements_retrieve",
            "add_asset": "ip_assets.v1_assets_create",
            "deadlines": "deadlines.v1_deadlines_list",
            "log_service": "service_records.v1_service_records_create",
            "services": "service_records.v1_service_records_list",
            "confirm": "service_records.v1_service_records_confirm_create",
            "rate": "settlements.v1_settlements_create",
            "settlements": "settlements.v1_settlements_list",
            "settlement": "settlements.v1_settlements_retrieve",
            "add_webhook": "webhooks.v1_webhook_endpoints_create",
            "webhook_deliveries": "webhooks.v1_webhook_deliveries_list",
        }.items()
    }
    assert api is not None

    # The firm asked for custody and chose the agency: an offer waits for it.
    request = marketplace_actions.request_submit(
        firm=personas.firm,
        by=personas.firm_member,
        programme_year=programme,
        quotas=programme.standard_quotas,
    )
    marketplace_actions.offer_make(request=request, agency=personas.agency, by=personas.firm_member)

    # 1. Token.
    def signed_in(username):
        anonymous = client_module.Client(base_url=base_url, raise_on_unexpected_status=True)
        answer = accounts.sync_detailed(
            client=anonymous, body=models.CredentialsRequest(username=username, password=PASSWORD)
        )
        assert answer.status_code == 200, answer.content
        return client_module.AuthenticatedClient(
            base_url=base_url,
            token=answer.parsed.token,
            prefix="Token",
            raise_on_unexpected_status=True,
        )

    agency = signed_in(personas.agency_consultant.username)
    firm = signed_in(personas.firm_member.username)

    # 2. Client firms: none yet.
    assert call["client_firms"].sync(client=agency).count == 0

    # 3. Offers.
    offers = call["offers"].sync(client=agency)
    (offer,) = offers.results
    assert offer.status.value == "pending"

    # 4. Accept, and the same POST retried with its Idempotency-Key.
    first = call["accept"].sync_detailed(client=agency, id=offer.id, idempotency_key="accept-1")
    assert first.status_code == 201, first.content
    again = call["accept"].sync_detailed(client=agency, id=offer.id, idempotency_key="accept-1")
    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.parsed.to_dict() == first.parsed.to_dict()
    assert Engagement.objects.count() == 1

    # 5. Engagements.
    engagements = call["engagements"].sync(client=agency)
    (engagement,) = engagements.results
    assert engagement.status.value == "active"
    assert engagement.id == first.parsed.id
    detail = call["engagement"].sync(client=agency, id=engagement.id)
    assert call["client_firms"].sync(client=agency).count == 1

    # 6. Assets.
    asset = call["add_asset"].sync_detailed(
        client=agency,
        body=models.IPAssetInputRequest.from_dict(
            {
                "firm": personas.firm.pk,
                "kind": "patent",
                "number": "CN200910005164.2",
                "title": "信息处理方法",
                "status": "in_force",
                "filing_date": "2015-10-01",
                "grant_date": "2018-05-04",
            }
        ),
        idempotency_key="asset-1",
    )
    assert asset.status_code == 201, asset.content

    # 7. Deadlines, derived at once.
    deadlines = call["deadlines"].sync(client=agency, firm=personas.firm.pk)
    assert deadlines.count > 0
    assert {row.asset for row in deadlines.results} == {asset.parsed.id}

    # 8. Service records with evidence; the first POST retried with its key.
    today = engagement.starts_on

    def log(item, key, with_file):
        evidence = (
            [
                types.File(
                    payload=io.BytesIO(PDF), file_name="evidence.pdf", mime_type="application/pdf"
                )
            ]
            if with_file
            else types.UNSET
        )
        body = models.ServiceRecordInputRequest(
            engagement=engagement.id,
            item=item.id,
            quantity=item.quota,
            delivered_on=today,
            description="托管服务交付",
            evidence=evidence,
        )
        return call["log_service"].sync_detailed(client=agency, body=body, idempotency_key=key)

    items = detail.items
    records = []
    for index, item in enumerate(items):
        logged = log(item, f"service-{index}", with_file=index == 0)
        assert logged.status_code == 201, logged.content
        records.append(logged.parsed)
    retried = log(items[0], "service-0", with_file=True)
    assert retried.status_code == 201
    assert retried.headers["Idempotent-Replayed"] == "true"
    assert retried.parsed.id == records[0].id
    assert ServiceRecord.objects.count() == len(items)
    assert EvidenceFile.objects.count() == 1
    assert len(records[0].evidence) == 1
    assert call["services"].sync(client=agency).count == len(items)

    # 9. The firm confirms each record.
    for record in records:
        confirmed = call["confirm"].sync_detailed(
            client=firm, id=record.id, idempotency_key=f"confirm-{record.id}"
        )
        assert confirmed.status_code == 200, confirmed.content
        assert confirmed.parsed.status.value == "confirmed"

    # 10. The firm rates the agency; the agency reads the settlement.
    rated = call["rate"].sync_detailed(
        client=firm,
        body=models.RatingRequest.from_dict(
            {"engagement": engagement.id, "rating": 5, "comment": "专业"}
        ),
        idempotency_key="rate-1",
    )
    assert rated.status_code == 201, rated.content
    settlements = call["settlements"].sync(client=agency)
    (settlement,) = settlements.results
    assert settlement.engagement == engagement.id
    assert call["settlement"].sync(client=agency, id=settlement.id).id == settlement.id

    # 11. A webhook received and verified by a local receiver: the agency registers an endpoint
    # through the client (the secret comes back once), the office approves the settlement, and
    # the signed delivery is checked with the guide's snippet and found in the delivery log.
    receiver.start()
    engagement_row = Engagement.objects.get(pk=engagement.id)
    registered = call["add_webhook"].sync_detailed(
        client=agency,
        body=models.EndpointInputRequest.from_dict(
            {"url": receiver.url, "events": ["settlement.approved"]}
        ),
        idempotency_key="webhook-1",
    )
    assert registered.status_code == 201, registered.content
    secret = registered.parsed.secret
    custody_actions.settlement_confirm(engagement=engagement_row, by=personas.incubator_manager)
    custody_actions.settlement_approve(engagement=engagement_row, by=personas.officer)
    (received,) = receiver.received
    assert verify_webhook(secret, received["body"], received["headers"])
    assert json.loads(received["body"])["data"]["settlement_id"] == settlement.id
    forged = received["body"].replace(b"settlement", b"Settlement")
    assert not verify_webhook(secret, forged, received["headers"])
    (delivery,) = call["webhook_deliveries"].sync(client=agency).results
    assert delivery.status.value == "delivered"
    assert str(delivery.event_id) == received["headers"]["X-Webhook-Id"]
