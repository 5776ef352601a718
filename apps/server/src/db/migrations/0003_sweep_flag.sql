-- A sweep's parent run says so explicitly (it runs no job; its children do), instead of being
-- recognised by a missing job.
ALTER TABLE runs ADD COLUMN sweep INTEGER NOT NULL DEFAULT 0;
UPDATE runs SET sweep = 1 WHERE job IS NULL;
