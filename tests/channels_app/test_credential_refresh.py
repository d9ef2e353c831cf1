"""Credential refresh is serialised per channel by the account's row lock (real PostgreSQL,
threads with their own connections): a single-use refresh token is never spent twice."""

import threading
import time

import pytest
from django.db import connection

from channels_app import providers
from channels_app.models import ChannelAccount
from channels_app.providers.base import ProviderAdapter, ProviderError
from channels_app.services.credentials import channel_credentials_refresh
from tests.factories import make_channel_account

pytestmark = pytest.mark.django_db(transaction=True)

HOLD = 0.3  # seconds each refresh holds the "provider call", so the threads overlap


class SingleUseTokenAdapter(ProviderAdapter):
    """A test-only provider whose refresh token works once, like Zalo's and Shopee's: it
    records every call and notices two calls at once or a token spent twice."""

    kind = "zalo"

    def __init__(self):
        self.calls: list[str] = []
        self.overlaps = 0
        self.spent: set[str] = set()
        self.reused: list[str] = []
        self._inside = 0
        self._guard = threading.Lock()

    def refresh_credentials(self, *, account, credentials):
        token = credentials["refresh_token"]
        with self._guard:
            self._inside += 1
            self.overlaps += self._inside > 1
            if token in self.spent:
                self.reused.append(token)
            self.spent.add(token)
            self.calls.append(token)
        time.sleep(HOLD)
        with self._guard:
            self._inside -= 1
        serial = int(token.removeprefix("r")) + 1
        return {"access_token": f"a{serial}", "refresh_token": f"r{serial}"}


@pytest.fixture
def fake_adapter(monkeypatch):
    adapter = SingleUseTokenAdapter()
    module = type(providers)("tests_fake_zalo_adapter")
    module.adapter = adapter
    monkeypatch.setitem(__import__("sys").modules, "tests_fake_zalo_adapter", module)
    monkeypatch.setitem(providers.ADAPTERS, "zalo", "tests_fake_zalo_adapter")
    providers.get_adapter.cache_clear()
    yield adapter
    providers.get_adapter.cache_clear()


def run_together(count, work):
    """`work()` in `count` threads released by one barrier; each closes its connection."""
    barrier = threading.Barrier(count)
    results, errors = [None] * count, []

    def run(index):
        try:
            barrier.wait()
            results[index] = work()
        except Exception as exc:  # reported by the test, not lost in the thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors
    return results


def test_two_workers_refresh_one_channel_in_turn_never_with_the_same_token(
    workspace_a, fake_adapter
):
    account = make_channel_account(
        workspace_a, "zalo", "oa-1", "Zalo OA", access_token="a1", refresh_token="r1"
    )
    stale = [ChannelAccount.objects.get(pk=account.pk) for _ in range(2)]  # both read r1
    counter = iter(range(2))

    results = run_together(2, lambda: channel_credentials_refresh(stale[next(counter)]))

    assert results == [True, True]
    assert fake_adapter.overlaps == 0  # never two refreshes of the channel at once
    assert fake_adapter.reused == []  # the second holder got the first one's new token
    assert fake_adapter.calls == ["r1", "r2"]
    stored = ChannelAccount.objects.get(pk=account.pk).credentials
    assert stored == {"access_token": "a3", "refresh_token": "r3"}
    # stored encrypted: a Fernet token, not the JSON (a two-letter token such as "r3" may
    # well occur inside the base64 by chance, so the test looks for the JSON key instead)
    raw = ChannelAccount.objects.values_list("credentials_encrypted", flat=True)[0]
    assert raw.startswith("gAAAAA") and "refresh_token" not in raw


def test_different_channels_refresh_at_the_same_time(workspace_a, fake_adapter):
    first = make_channel_account(workspace_a, "zalo", "oa-1", "One", refresh_token="r1")
    second = make_channel_account(workspace_a, "zalo", "oa-2", "Two", refresh_token="r10")
    accounts = iter([first, second])
    started = time.monotonic()
    run_together(2, lambda: channel_credentials_refresh(next(accounts)))
    assert time.monotonic() - started < 2 * HOLD  # no lock shared between channels
    assert sorted(fake_adapter.calls) == ["r1", "r10"]


def test_a_failed_refresh_stores_nothing_and_releases_the_lock(workspace_a, fake_adapter):
    account = make_channel_account(workspace_a, "zalo", "oa-1", "Zalo OA", refresh_token="r1")

    def refuse(*, account, credentials):
        raise ProviderError("refresh token expired", reconnect=True)

    fake_adapter.refresh_credentials = refuse
    with pytest.raises(ProviderError):
        channel_credentials_refresh(account)
    assert ChannelAccount.objects.get(pk=account.pk).credentials == {"refresh_token": "r1"}
    del fake_adapter.refresh_credentials
    assert channel_credentials_refresh(account)  # nobody holds the row any more


def test_meta_channels_have_nothing_to_refresh(page_a):
    before = ChannelAccount.objects.get(pk=page_a.pk).credentials_encrypted
    assert channel_credentials_refresh(page_a) is False
    assert ChannelAccount.objects.get(pk=page_a.pk).credentials_encrypted == before
