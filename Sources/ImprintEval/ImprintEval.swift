// ImprintEval: QA evaluation with judges, the both/one/none held-out metric, and reports.
// It is filled by the evaluation issue; the target exists so that the module graph of DESIGN.md is in place.
