-- Learner state for the stateful serving routes (docs/serve.md, stateful
-- pathways). One schema for SQLite and PostgreSQL: only types both read the
-- same way (TEXT, BIGINT, INTEGER, BOOLEAN, DOUBLE PRECISION).

-- One row per learner with at least one stored attempt.
CREATE TABLE learners (
    learner_id TEXT NOT NULL PRIMARY KEY,
    -- attempts stored: the next attempt's position
    attempts BIGINT NOT NULL,
    -- seq of the newest attempt; later attempts need a larger one
    last_seq BIGINT NOT NULL,
    -- attempts posted through the attempts route: the pathway's
    -- recommendations served and answered
    served BIGINT NOT NULL,
    -- JSON array of the item ids last recommended as mastery checks and not
    -- attempted since
    checks TEXT NOT NULL
);

-- A learner's attempts, in the canonical log's fields (docs/data.md).
CREATE TABLE attempts (
    learner_id TEXT NOT NULL,
    position BIGINT NOT NULL,
    -- the client's id of the attempt: posting it again is a no-op
    event_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    -- Unix milliseconds; NULL when unknown
    time_ms BIGINT,
    item_id TEXT NOT NULL,
    -- JSON array of skill ids
    skill_ids TEXT NOT NULL,
    correct_independent BOOLEAN NOT NULL,
    correct_supported BOOLEAN NOT NULL,
    hints_used INTEGER NOT NULL,
    -- -1 when unknown
    hints_available INTEGER NOT NULL,
    retries INTEGER NOT NULL,
    scaffolded BOOLEAN NOT NULL,
    answer_given BOOLEAN NOT NULL,
    -- NULL when unknown
    response_ms DOUBLE PRECISION,
    item_difficulty DOUBLE PRECISION,
    -- JSON object of the log's group columns (school, class, ...)
    groups TEXT NOT NULL,
    -- the attempt answered a mastery check the server recommended
    is_check BOOLEAN NOT NULL,
    PRIMARY KEY (learner_id, position),
    UNIQUE (learner_id, event_id)
);
