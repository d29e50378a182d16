"""The triage counters come from the referrals service's `/referrals/counters`; lists
that show no identity ask for `fields=summary`. Both fall back for an older service."""

import pytest

from tests.integration.portal.test_referral_flow import NAME, submit

pytestmark = pytest.mark.integration


@pytest.fixture
def one_referral(portal, fake_apis):
    portal.sign_in("medecin@example.org")
    assert submit(portal).status_code == 302
    return portal


def test_counters_are_the_services_and_the_queue_keeps_identities(one_referral,
                                                                   another_portal, fake_apis):
    another_portal.sign_in("agent@example.org")
    fake_apis.list_queries.clear()
    queue = another_portal.get("/ccas/file").get_data(as_text=True)
    assert 'data-testid="counter-new">1<' in queue
    assert "/api/v1/referrals/counters" in [p for _, p, _ in fake_apis.requests]
    # One list call only (the queue itself, with identities): no page for the counters.
    assert [q.get("fields") for q in fake_apis.list_queries] == [None]
    assert "PAYET Zéphyrine" in queue


def test_without_counters_they_are_computed_from_a_page_without_identities(
        one_referral, another_portal, fake_apis):
    fake_apis.counts = False
    another_portal.sign_in("agent@example.org")
    fake_apis.list_queries.clear()
    queue = another_portal.get("/ccas/file").get_data(as_text=True)
    assert 'data-testid="counter-new">1<' in queue
    assert sorted(str(q.get("fields")) for q in fake_apis.list_queries) == ["None", "summary"]


def test_an_older_service_without_fields_is_asked_again(one_referral, another_portal,
                                                        fake_apis):
    fake_apis.counts, fake_apis.knows_fields = False, False
    another_portal.sign_in("agent@example.org")
    queue = another_portal.get("/ccas/file").get_data(as_text=True)
    assert 'data-testid="counter-new">1<' in queue
    mine = one_referral.get("/signalements")
    assert mine.status_code == 200 and "Nouveau" in mine.get_data(as_text=True)


def test_the_referrers_list_asks_for_summaries(one_referral, fake_apis):
    fake_apis.list_queries.clear()
    page = one_referral.get("/signalements").get_data(as_text=True)
    assert [q.get("fields") for q in fake_apis.list_queries] == ["summary"]
    assert NAME not in page
