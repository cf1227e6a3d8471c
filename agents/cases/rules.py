"""Rules that the scenario file cannot override: when a debit may be presented again, and which channels reach the debtor."""

from __future__ import annotations

from typing import Any, Iterable

from agents.cases.state import Case
from agents.reason_codes import NEVER_REPRESENT, Cause, classify

# The profile field that a channel needs before a message can go out on it.
CONTACT_FIELD = {"email": "email", "sms": "phone", "voice": "phone", "letter": "postal_address", "push": "push_token"}


def represent_refusal(case: Case) -> str | None:
    """Return why `case` may not be presented again, or None when a re-presentation is allowed.

    A debit is presented at most twice, the original included, so a second rejection never leads to a
    third presentation. MD06 and MD01 are never re-presented. A cause that forbids re-presentation gets
    none, except wrong bank details after the debtor sent new ones.
    """
    last = case.last_rejection
    code = classify(last.code)
    if len(case.rejections) >= 2:
        return "second rejection: a third presentation is never made"
    if case.presentations >= 2:
        return "the debit was already presented again once"
    if code.code in NEVER_REPRESENT:
        return f"reason code {code.code} ({code.meaning}) is never presented again"
    if case.mandate_cancelled:
        return "the mandate was cancelled"
    if not case.mandate_id:
        return "the rejection names no mandate to collect on"
    if code.may_represent:
        return None
    if case.bank_details_updated and code.cause == Cause.INCORRECT_BANK_DETAILS:
        return None
    return f"reason code {code.code} ({code.cause.value}) forbids re-presentation"


def usable_channels(
    channels: Iterable[str], profile: dict[str, Any] | None, opt_outs: Iterable[str], consent_required: Iterable[str]
) -> list[str]:
    """Return the channels, in order, that have contact data, no opt-out, and consent where it is required."""
    profile = profile or {}
    blocked = set(opt_outs) | set(profile.get("opt_outs") or [])
    consents = set(profile.get("consents") or [])
    needs_consent = set(consent_required)
    usable = []
    for channel in channels:
        if channel in blocked or not profile.get(CONTACT_FIELD[channel]):
            continue
        if channel in needs_consent and channel not in consents:
            continue
        usable.append(channel)
    return usable
