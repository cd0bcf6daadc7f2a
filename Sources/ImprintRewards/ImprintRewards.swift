// ImprintRewards: the Reward protocol, the seeds' rewards, judges and text metrics.
