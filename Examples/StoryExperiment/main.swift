print("StoryExperiment: arrives with the SFT issue")
