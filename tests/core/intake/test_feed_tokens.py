"""Calendar feed tokens: they read what they name, only when signed with the current secret and
not revoked, and cannot be altered to read another's shifts."""

from __future__ import annotations

from datetime import UTC, datetime

from muster.worker.core.intake.feed_tokens import FeedKind, FeedToken, feed_id, sign, verify

SECRET = "a-calendar-signing-secret"
ISSUED = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def test_a_token_reads_what_it_names() -> None:
    token = sign(SECRET, FeedKind.PERSON, "bob", ISSUED)
    assert verify(SECRET, token, []) == FeedToken(FeedKind.PERSON, "bob", ISSUED)
    rotation = sign(SECRET, FeedKind.ROTATION, "scribes", ISSUED)
    assert verify(SECRET, rotation, []) == FeedToken(FeedKind.ROTATION, "scribes", ISSUED)


def test_another_secret_an_altered_token_or_garbage_reads_nothing() -> None:
    token = sign(SECRET, FeedKind.PERSON, "bob", ISSUED)
    assert verify("another-secret-0123456789", token, []) is None
    other = sign(SECRET, FeedKind.PERSON, "alice", ISSUED)
    swapped = other.rpartition(".")[0] + "." + token.rpartition(".")[2]
    assert verify(SECRET, swapped, []) is None
    for garbage in ("", ".", "f1..", "f1.x.y", "é.x.y", token + "x"):
        assert verify(SECRET, garbage, []) is None


def test_a_revoked_id_reads_nothing_and_leaves_other_links_alone() -> None:
    token = sign(SECRET, FeedKind.PERSON, "bob", ISSUED)
    again = sign(SECRET, FeedKind.PERSON, "bob", datetime(2026, 11, 26, tzinfo=UTC))
    assert len(feed_id(token)) == 12
    assert feed_id(token) not in token
    assert verify(SECRET, token, [feed_id(token)]) is None
    assert verify(SECRET, again, [feed_id(token)]) is not None
