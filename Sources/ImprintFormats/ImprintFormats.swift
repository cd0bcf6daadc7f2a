// ImprintFormats: the file containers that tokenizers and models share — GGUF (header, metadata,
// tensor infos), safetensors and NumPy .npy — with typed errors naming the file and the field.
// Depends on Foundation only, so that ImprintTokenizer can read GGUF vocabularies without ImprintModel.
