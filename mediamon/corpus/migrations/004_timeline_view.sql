-- The stance_timeline view becomes the named query stance_timeline (queries/stance_timeline.sql)
-- at its defaults: per week and actor, every target, every confidence. The timeline is written
-- once, there; the view of migration 001 was a second copy of it. Same columns as before.
DROP VIEW IF EXISTS stance_timeline;

CREATE VIEW stance_timeline AS
SELECT period AS period_start, actor AS actor_id, target, n_favor, n_against, n_neutral, n_docs
FROM ({{named_query stance_timeline sha256=2ee121e4c82b2ce17c1a10ef1e70b801fffdb460e6ffae40108ce93728b3db92}});
