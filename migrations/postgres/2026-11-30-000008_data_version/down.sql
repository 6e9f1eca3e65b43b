-- Nothing was done on PostgreSQL.
SELECT 1;
