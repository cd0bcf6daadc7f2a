// ImprintEval: did the knowledge go in, and does it generalize?
//
// - Data/: evaluation rows (`EvaluationRow`) and the loaders of JSONL rows and of the seeds' files (`EvaluationDataset`).
// - Judges/: the `Judge` protocol, deterministic judges, LLM judges over any `TextGenerator`, the on-disk
//   `JudgeCache`, and agreement between two judges (`JudgeAgreement`).
// - Evaluation/: the `Evaluator` (answers in batches, judged), metrics (accuracy, held-out phrasings both/one/none,
//   the memorization gap, recitation), and the hook trainers call during training.
// - Report/: `report.json`, `report.md`, SVG plots, `report.html`, `answers.jsonl`, and the comparison of runs.
// - Statistics/: Wilson intervals, McNemar, bootstraps, Cohen's kappa. The charts and report pages come from
//   ImprintCharts, re-exported so that `import ImprintEval` brings `Interval` and the charts.
@_exported import ImprintCharts
