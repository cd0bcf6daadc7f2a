// Imprint: one import for the whole library.
@_exported import ImprintCharts
@_exported import ImprintCore
@_exported import ImprintDataGen
@_exported import ImprintEval
@_exported import ImprintFormats
@_exported import ImprintGRPO
@_exported import ImprintModel
@_exported import ImprintRewards
@_exported import ImprintSFT
@_exported import ImprintTensor
@_exported import ImprintTokenizer
