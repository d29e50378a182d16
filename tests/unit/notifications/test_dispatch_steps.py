"""The dispatcher's order of steps, without a database: the attempt is committed before
the message is transmitted (SMTP DATA), a lost claim transmits nothing, and a failure
before that point never leaves a row `sending` (so never `uncertain`)."""

import uuid
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest

from services.notifications import dispatch
from services.notifications.channels import DeliveryError
from services.notifications.settings import NotificationsSettings
from services.notifications.store import deliveries as store
from shared.settings import load_settings

pytestmark = pytest.mark.unit

NOW = datetime(2027, 3, 10, 9, tzinfo=UTC)


class Sessions:
    """A session factory that only records when a transaction commits."""

    def __init__(self, journal: list):
        self.journal = journal

    def __call__(self):
        return self._session(commit=False)

    def begin(self):
        return self._session(commit=True)

    @contextmanager
    def _session(self, *, commit: bool):
        yield object()
        if commit:
            self.journal.append("commit")


class Mailer:
    """Records the SMTP steps: the envelope (MAIL, RCPT), then DATA."""

    def __init__(self, journal: list, error: DeliveryError | None = None,
                 refused_at: str = "data"):
        self.journal, self.error, self.refused_at = journal, error, refused_at

    def send(self, *, message_id, before_data, **_message):
        self.journal.append(("envelope", message_id))
        if self.error and self.refused_at == "envelope":
            raise self.error
        before_data()
        self.journal.append(("data", message_id))
        if self.error:
            raise self.error


@pytest.fixture
def journal():
    return []


@pytest.fixture
def claimed():
    row = {"id": uuid.uuid4(), "channel": "email", "kind": "referrals.referral.accepted",
           "recipient_member_id": uuid.uuid4(), "summary": {"title": "t"}, "attempts": 1}
    return store.Claimed(row["id"], uuid.uuid4(), 1, row)


def _dispatcher(monkeypatch, journal, claimed, *, mailer=None, address="a@example.org",
                claim_held=True):
    settings = load_settings(NotificationsSettings, {}, log_json=False)
    dispatcher = dispatch.Dispatcher(settings, clock=lambda: NOW,
                                     mailer=mailer or Mailer(journal))

    def mark_sending(_session, delivery, **_kw):
        journal.append(("mark_sending", delivery.id))
        return claim_held

    def finish(_session, delivery, *, error, permanent, **_kw):
        journal.append(("finish", error, permanent))
        return "sent" if error is None else "failed"

    monkeypatch.setattr(store, "expire_interrupted", lambda *_a, **_k: [])
    monkeypatch.setattr(store, "claim_due", lambda *_a, **_k: [claimed])
    monkeypatch.setattr(store, "mark_sending", mark_sending)
    monkeypatch.setattr(store, "finish", finish)
    monkeypatch.setattr(dispatch, "member_email", lambda *_a: address)
    monkeypatch.setattr(dispatch.rendering, "notification", lambda *_a: ("s", "t", "h"))
    return dispatcher


def test_the_attempt_is_committed_before_the_smtp_conversation(monkeypatch, journal, claimed):
    dispatcher = _dispatcher(monkeypatch, journal, claimed)
    assert dispatcher.send_due(Sessions(journal)) == 1
    mail = str(claimed.id)
    assert journal == ["commit",  # the claim
                       ("envelope", mail),  # MAIL FROM, RCPT TO accepted
                       ("mark_sending", claimed.id), "commit",  # the point of no return
                       ("data", mail),  # the message itself
                       ("finish", None, False), "commit"]  # the outcome


def test_a_lost_claim_transmits_nothing(monkeypatch, journal, claimed):
    dispatcher = _dispatcher(monkeypatch, journal, claimed, claim_held=False)
    dispatcher.send_due(Sessions(journal))
    assert [step[0] for step in journal if isinstance(step, tuple)] == [
        "envelope", "mark_sending"], "no DATA, no outcome: the new holder records it"


def test_a_refusal_before_data_never_marks_sending(monkeypatch, journal, claimed):
    mailer = Mailer(journal, DeliveryError("smtp recipient refused: [450]"),
                    refused_at="envelope")
    dispatcher = _dispatcher(monkeypatch, journal, claimed, mailer=mailer)
    dispatcher.send_due(Sessions(journal))
    assert journal == ["commit", ("envelope", str(claimed.id)),
                       ("finish", "smtp recipient refused: [450]", False), "commit"]


def test_a_failure_before_the_network_is_recorded_without_marking_sending(
        monkeypatch, journal, claimed):
    dispatcher = _dispatcher(monkeypatch, journal, claimed, address=None)
    dispatcher.send_due(Sessions(journal))
    assert journal == ["commit", ("finish", "recipient unknown or inactive", False), "commit"]


def test_a_refusal_after_marking_sending_is_its_outcome(monkeypatch, journal, claimed):
    mailer = Mailer(journal, DeliveryError("smtp 451"))
    dispatcher = _dispatcher(monkeypatch, journal, claimed, mailer=mailer)
    dispatcher.send_due(Sessions(journal))
    assert journal[-3:] == [("data", str(claimed.id)), ("finish", "smtp 451", False), "commit"]
