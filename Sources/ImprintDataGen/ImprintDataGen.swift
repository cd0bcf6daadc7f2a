// ImprintDataGen: stories, QA pairs, rephrasings and masked sets for the seed experiments.
// It is filled by the data-generation issue; the target exists so that the module graph of DESIGN.md is in place.
