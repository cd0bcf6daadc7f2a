// ImprintGRPO: the GRPO trainer (rollouts, rewards, group advantages, clipped loss), after TRL.
// It is filled by the GRPO issue; the target exists so that the module graph of DESIGN.md is in place.
