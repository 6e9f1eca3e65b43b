-- An allocation's agreement and organisation are copies of its need's, kept
-- for the ledgers' queries; the key to the need already guarantees they
-- exist. Checking them again cost a national plan about 0.4 s of
-- foreign-key triggers (two per allocation, 25,000 allocations).
ALTER TABLE cohort_allocations
    DROP CONSTRAINT cohort_allocations_agreement_id_fkey,
    DROP CONSTRAINT cohort_allocations_organisation_id_fkey;
