// ImprintEval: QA evaluation with judges, the both/one/none held-out metric, statistics and reports.
// Its reports draw with ImprintCharts, re-exported so that `import ImprintEval` brings `Interval` and the charts.
@_exported import ImprintCharts
