-- Precise push's delivery attempts per day, as migrations/sqlite/0004_push_attempt_days.sql.
CREATE TABLE push_attempt_days (
    day BIGINT NOT NULL,
    outcome TEXT COLLATE "C" NOT NULL,
    attempts BIGINT NOT NULL,
    PRIMARY KEY (day, outcome)
);
