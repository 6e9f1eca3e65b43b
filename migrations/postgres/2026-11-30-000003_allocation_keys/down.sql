ALTER TABLE cohort_allocations
    ADD CONSTRAINT cohort_allocations_agreement_id_fkey FOREIGN KEY (agreement_id) REFERENCES agreements (id),
    ADD CONSTRAINT cohort_allocations_organisation_id_fkey FOREIGN KEY (organisation_id) REFERENCES organisations (id);
