print("RephrasingExperiment: arrives with the GRPO issue")
