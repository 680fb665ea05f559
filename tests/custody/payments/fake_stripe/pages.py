"""The hosted pages: checkout's Pay button and Connect's onboarding form."""

import html

from tests.custody.payments.fake_stripe.support import _html_reply, _money, _now, _redirect


class PagesMixin:
    # --- The hosted pages ----------------------------------------------------------------

    def _checkout_page(self, call, params, *, session_id):
        session = self._objects.get(session_id)
        if session is None or session["object"] != "checkout.session":
            return _html_reply(404, "Checkout", "<p>No such checkout session.</p>")
        if session["status"] != "open":
            return _html_reply(
                200, "Checkout", f"<p>This checkout session is {session['status']}.</p>"
            )
        cancel = ""
        if session["cancel_url"]:
            cancel = f'<p><a href="{html.escape(session["cancel_url"])}">Cancel</a></p>'
        body = (
            f"<p>Amount due: <strong>{_money(session['amount_total'], session['currency'])}</strong></p>"
            f'<form method="post" action="/checkout/{html.escape(session_id)}/pay">'
            '<button type="submit">Pay</button></form>'
            f"{cancel}"
        )
        return _html_reply(200, "Checkout", body)

    def _checkout_pay(self, call, params, *, session_id):
        session = self._objects.get(session_id)
        if session is None or session["object"] != "checkout.session":
            return _html_reply(404, "Checkout", "<p>No such checkout session.</p>")
        if session["status"] == "expired":
            return _html_reply(409, "Checkout", "<p>This checkout session has expired.</p>")
        if session["status"] == "open":  # a second submit of the form pays nothing more
            self._pay(call, session_id)
        return _redirect(session["success_url"].replace("{CHECKOUT_SESSION_ID}", session_id))

    def _onboarding_page(self, call, params, *, account_id):
        """Account links are single-use: a second visit, or a late one, goes to refresh_url."""
        link = self._account_links.get(params.get("token", ""))
        if link is None or link["account"] != account_id:
            return _html_reply(404, "Onboarding", "<p>No such account link.</p>")
        if link["visited"] or _now() > link["expires_at"]:
            return _redirect(link["refresh_url"])
        link["visited"] = True
        body = (
            f"<p>Account {html.escape(account_id)}</p>"
            f'<form method="post" action="/connect/onboard/{html.escape(account_id)}">'
            f'<input type="hidden" name="token" value="{html.escape(params["token"])}">'
            '<button type="submit">Complete onboarding</button></form>'
        )
        return _html_reply(200, "Onboarding", body)

    def _onboarding_submit(self, call, params, *, account_id):
        link = self._account_links.get(params.get("token", ""))
        if link is None or link["account"] != account_id:
            return _html_reply(404, "Onboarding", "<p>No such account link.</p>")
        self._complete_onboarding(call, account_id)
        return _redirect(link["return_url"])
