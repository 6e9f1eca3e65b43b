DROP TABLE plan_unplaced;
DROP TABLE cohort_allocations;
DROP TABLE cohorts;
DROP TABLE plans;
