import fc from 'fast-check'

// Property tests draw from a fixed seed so a CI run is reproducible; set ROUTESIM_FC_SEED to explore
// other inputs (any integer, or "random" for a fresh seed per run — fast-check prints it on failure).
const requested = process.env.ROUTESIM_FC_SEED
if (requested !== 'random') fc.configureGlobal({ seed: requested === undefined ? 20261126 : Number(requested) })
