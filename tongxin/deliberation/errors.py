"""The error codes of deliberation and votes.

Stable: part of the API, each listed in docs/api.md (a test checks)."""

from __future__ import annotations

from enum import StrEnum

from tongxin.core.errors import DomainError


class DeliberationCode(StrEnum):
    ALREADY_VOTED = "ALREADY_VOTED"
    NOT_AN_ELECTOR = "NOT_AN_ELECTOR"
    VOTE_CLOSED = "VOTE_CLOSED"
    EMPTY_ELECTORATE = "EMPTY_ELECTORATE"
    SKIP_NOT_ALLOWED = "SKIP_NOT_ALLOWED"
    COMMENT_WINDOW_CLOSED = "COMMENT_WINDOW_CLOSED"
    COMMENT_WINDOW_OPEN = "COMMENT_WINDOW_OPEN"
    VOTE_NOT_CLOSED = "VOTE_NOT_CLOSED"
    ALREADY_DONE = "ALREADY_DONE"
    DRAFT_REQUIRED = "DRAFT_REQUIRED"
    ELECTION_NOT_READY = "ELECTION_NOT_READY"


class AlreadyVoted(DomainError):
    """The voter (or another owner of the same dwelling) has already cast this vote's ballot
    (409)."""

    code = DeliberationCode.ALREADY_VOTED
    status = 409


class NotAnElector(DomainError):
    """The caller may see the vote but is not in its electorate, frozen when it opened (403)."""

    code = DeliberationCode.NOT_AN_ELECTOR
    status = 403


class VoteClosed(DomainError):
    """The vote no longer takes ballots: it has closed or its closing time has passed (409)."""

    code = DeliberationCode.VOTE_CLOSED
    status = 409


class EmptyElectorate(DomainError):
    """Nobody in the registry is entitled to vote in the chosen place (422)."""

    code = DeliberationCode.EMPTY_ELECTORATE
    status = 422


class SkipNotAllowed(DomainError):
    """The step may not be skipped (the configuration forbids it), or no reason was given
    (422)."""

    code = DeliberationCode.SKIP_NOT_ALLOWED
    status = 422


class CommentWindowClosed(DomainError):
    """The notice's comment window has ended (or the topic was never published) (409)."""

    code = DeliberationCode.COMMENT_WINDOW_CLOSED
    status = 409


class CommentWindowOpen(DomainError):
    """The notice's comment window still runs: the topic goes to review after it (409)."""

    code = DeliberationCode.COMMENT_WINDOW_OPEN
    status = 409


class VoteNotClosed(DomainError):
    """The topic's vote has not closed yet, so its result cannot be recorded (409)."""

    code = DeliberationCode.VOTE_NOT_CLOSED
    status = 409


class AlreadyDone(DomainError):
    """The resident has already supported or evaluated this topic (409)."""

    code = DeliberationCode.ALREADY_DONE
    status = 409


class DraftRequired(DomainError):
    """A topic is published (张榜) with a draft of its plan; there is none yet (409)."""

    code = DeliberationCode.DRAFT_REQUIRED
    status = 409


class ElectionNotReady(DomainError):
    """The candidates cannot be published yet: a finding is missing, or fewer eligible
    candidates than seats (409; ``context.candidates`` lists those not yet checked)."""

    code = DeliberationCode.ELECTION_NOT_READY
    status = 409
