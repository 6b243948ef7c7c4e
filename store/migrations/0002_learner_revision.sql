-- A revision per learner, changed by every write of the learner's row in
-- the same transaction as its attempts: a server keeping a learner's
-- history in memory uses it only while the row still has the revision it
-- cached, so a change by another replica (or another process on the same
-- SQLite file) is seen. A learner's row starts at a random revision, so a
-- learner deleted and stored afresh does not reuse an old one.
ALTER TABLE learners ADD COLUMN revision BIGINT NOT NULL DEFAULT 0;
