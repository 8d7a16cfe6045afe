-- Precise push's delivery attempts per UTC day (days since 1970-01-01) and outcome (`delivered`,
-- `failed`), counted in the transaction that records the attempts; the dashboard's figures.
CREATE TABLE IF NOT EXISTS push_attempt_days (
    day INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    PRIMARY KEY (day, outcome)
);
