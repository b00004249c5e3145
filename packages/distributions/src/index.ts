// Uniform samplers
export { sampleUniformInts } from './uniform-ints.ts'
export { sampleDistinctSubsets } from './distinct-subsets.ts'

// Normal samplers and the seed's normal-routing map
export { NORMAL_METHODS, sampleNormal } from './normal.ts'
export type { NormalMethod } from './normal.ts'
export { sampleSigmoidNormalBins, sampleSigmoidNormalBinsDistinct, sigmoidNormalBinProbabilities } from './sigmoid-normal-bins.ts'
export { SigmoidBinTable, sigmoidBin } from './sigmoid-bin-table.ts'
export { sampleNormalRowWeights } from './normal-row-weights.ts'

// Special functions and goodness of fit
export { chiSquareSurvival, chiSquareTest, logGamma, normalCdf, regularizedGammaQ } from './special-functions.ts'

// Weighted sampling without replacement (Plackett–Luce), alias tables, gamma/Dirichlet
export { createAliasTable, sampleAlias, validateWeights } from './alias-table.ts'
export type { AliasTable } from './alias-table.ts'
export { createWeightedDistinctSampler } from './weighted-distinct.ts'
export type { WeightedDistinctOptions, WeightedDistinctSampler } from './weighted-distinct.ts'
export { PL_EXACT_MAX_ITEMS, plackettLuceInclusion, plackettLuceInclusionExact } from './plackett-luce.ts'
export { sampleLogGamma, sampleSymmetricDirichlet } from './gamma.ts'
