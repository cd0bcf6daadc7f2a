// ImprintRewards: the Reward protocol, the seeds' rewards, judges and text metrics.
//
// Where things are (one concept per file):
//   Reward.swift, SampleReward.swift, WeightedSum.swift    the protocol, batches, composition
//   SequenceMatcher.swift (+Reference), DifflibReward.swift   Python difflib, exactly
//   AnswerMatching.swift                                    SQuAD normalization, exact match, token F1
//   Tokenizer13a.swift, BLEU.swift, Jaccard.swift           sacreBLEU, Jaccard, their rewards
//   SimilarityMatrix.swift                                  diversity of a set of phrasings
//   JudgePromptTemplate.swift, VerdictParser.swift,
//   AnswerValidity.swift, JudgeReward.swift                 LLM-as-judge
//   GroupGeneralizationReward.swift                         seed 003's configuration-3 reward
//   WordLimitReward.swift                                   length helpers
//   ReferenceMetric.swift                                   `imprint reward NAME --jsonl`
// Docs/Rewards.md has worked examples and a user-defined reward.
