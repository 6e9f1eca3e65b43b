-- PostgreSQL drops two foreign keys of cohort_allocations here (see its
-- migration of the same name) because its key checks are slow in bulk.
-- SQLite checks keys cheaply, and dropping one would mean rebuilding the
-- table, so it keeps them: nothing to do.
SELECT 1;
