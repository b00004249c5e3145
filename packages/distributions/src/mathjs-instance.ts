import { create, erfDependencies, lgammaDependencies } from 'mathjs/number'

// An isolated mathjs instance with only what is needed: no global configuration is touched.
// The build bundles this file with esbuild (tree-shaken to erf and lgamma) so importing the package
// does not load all of mathjs (~300 ms); see docs/performance.md.
export const math = create({ erfDependencies: erfDependencies!, lgammaDependencies: lgammaDependencies! })
