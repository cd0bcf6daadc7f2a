// ImprintSFT: the supervised fine-tuning trainer (LoRA or full) over the datasets TRL accepts.
// It is filled by the SFT issue; the target exists so that the module graph of DESIGN.md is in place.
