import { create, quantileSeqDependencies } from 'mathjs/number'

// An isolated instance with only what is used keeps this package from touching anyone else's mathjs
// configuration. (mathjs types every dependency bundle as possibly undefined; this one always exists.)
// The build bundles the package with esbuild (scripts/bundle-entry.mjs; mathjs tree-shaken to the number-only quantileSeq) so importing it does
// not load all of mathjs (~500 ms); see docs/performance.md.
export const math = create({ quantileSeqDependencies: quantileSeqDependencies! })
