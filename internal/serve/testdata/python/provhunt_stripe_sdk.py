"""The official stripe Python library's list, paging, event and error
handling against `hookctl serve` (stripe.api_base). Prints one JSON line of
what it saw; the Go test judges it. Usage: provhunt_stripe_sdk.py BASE_URL KEY"""
import json
import sys
import time
import urllib.request

import stripe

base, key = sys.argv[1].rstrip("/"), sys.argv[2]
stripe.api_key = key
stripe.api_base = base
stripe.max_network_retries = 0
out = {}


def caught(f):
    """The error a call raised, as the library reports it."""
    try:
        f()
    except stripe.error.StripeError as e:
        return {"class": type(e).__name__, "status": e.http_status, "code": e.code or "",
                "param": getattr(e, "param", None) or "", "requestId": e.request_id or ""}
    return {"class": "none"}


def trigger(event_type):
    req = urllib.request.Request(base + "/_hookctl/trigger", data=json.dumps({"type": event_type}).encode(),
                                 method="POST", headers={"Authorization": "Bearer " + key})
    with urllib.request.urlopen(req, timeout=30) as resp:
        if resp.status != 201:
            raise SystemExit("trigger %s: %d" % (event_type, resp.status))


# Webhook endpoints: 7 created, paged 2 at a time both ways.
created = [stripe.WebhookEndpoint.create(url="http://127.0.0.1:9/%d" % i, enabled_events=["*"]).id for i in range(7)]
out["created"] = created
out["forward"] = [w.id for w in stripe.WebhookEndpoint.list(limit=2).auto_paging_iter()]
out["backward"] = [w.id for w in stripe.WebhookEndpoint.list(limit=2, ending_before=created[0]).auto_paging_iter()]
page = stripe.WebhookEndpoint.list(limit=2)
out["listObject"] = {"object": page.object, "url": page.url, "has_more": page.has_more, "n": len(page.data)}

# save() posts only what changed; refresh() reads it back.
we = stripe.WebhookEndpoint.retrieve(created[0])
we.description = "saved"
we.metadata["team"] = "billing"
we.save()
we.refresh()
out["saved"] = {"description": we.description, "metadata": dict(we.metadata), "secretHidden": "secret" not in we}

# Errors, as the library classifies them.
out["errors"] = {
    "retrieveMissing": caught(lambda: stripe.WebhookEndpoint.retrieve("we_missing")),
    "modifyMissing": caught(lambda: stripe.WebhookEndpoint.modify("we_missing", description="x")),
    "deleteMissing": caught(lambda: stripe.WebhookEndpoint.delete("we_missing")),
    "eventMissing": caught(lambda: stripe.Event.retrieve("evt_missing")),
    "cursorMissing": caught(lambda: stripe.WebhookEndpoint.list(starting_after="we_missing")),
    "unknownParam": caught(lambda: stripe.WebhookEndpoint.list(foo="bar")),
    "limitZero": caught(lambda: stripe.WebhookEndpoint.list(limit=0)),
    "noURL": caught(lambda: stripe.WebhookEndpoint.create(enabled_events=["*"])),
    "badEvent": caught(lambda: stripe.WebhookEndpoint.create(url="http://127.0.0.1:9/x", enabled_events=["no.such_event"])),
    "bothCursors": caught(lambda: stripe.Event.list(starting_after="evt_a", ending_before="evt_b")),
    "wrongKey": caught(lambda: stripe.WebhookEndpoint.list(api_key="sk_test_wrong")),
}
stripe.WebhookEndpoint.create(url="http://127.0.0.1:9/idem", enabled_events=["*"], idempotency_key="provhunt-1")
out["errors"]["idemMismatch"] = caught(lambda: stripe.WebhookEndpoint.create(
    url="http://127.0.0.1:9/other", enabled_events=["*"], idempotency_key="provhunt-1"))

# Events: 5 sent (the endpoints refuse the connection, so none succeeds).
before = int(time.time()) - 1
for t in ["payment.succeeded", "payment.succeeded", "payment.failed", "payment.succeeded", "payment.failed"]:
    trigger(t)
events = list(stripe.Event.list(limit=2).auto_paging_iter())
out["events"] = [e.type for e in events]
out["eventIds"] = len({e.id for e in events})
out["succeeded"] = len(stripe.Event.list(type="payment.succeeded").data)
out["wildcard"] = len(stripe.Event.list(type="payment.*").data)
out["recent"] = len(stripe.Event.list(created={"gte": before}).data)
out["future"] = len(stripe.Event.list(created={"gt": int(time.time()) + 3600}).data)
out["undelivered"] = len(stripe.Event.list(delivery_success=False).data)
one = stripe.Event.retrieve(events[0].id)
out["retrieved"] = {"id": one.id == events[0].id, "type": one.type, "object": one.object, "dataObject": one.data.object.object}

# Deleting while paging: Stripe's own answer to the next page's cursor
# (a deleted endpoint) is resource_missing on starting_after
# (stripe/stripe-go#1030, stripe/stripe-php#1264); so is serve's.
deleted = 0
try:
    for w in stripe.WebhookEndpoint.list(limit=3).auto_paging_iter():
        w.delete()
        deleted += 1
    out["deleteWhilePaging"] = {"deleted": deleted, "error": None}
except stripe.error.InvalidRequestError as e:
    out["deleteWhilePaging"] = {"deleted": deleted, "code": e.code, "param": e.param}

print(json.dumps(out))
