-- Nothing to do on PostgreSQL. SQLite keeps a version number moved by
-- triggers (its migration of the same name); on PostgreSQL the cached reads
-- (src/web/cache.rs) compare pg_current_snapshot(), which changes whenever
-- any transaction ends, and needs no table and no lock that writers would
-- queue on.
SELECT 1;
