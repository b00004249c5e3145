import type { DeviceReplicaPolicy } from '@routesim/core'

/**
 * The metrics of a scenario step as one hand-written WGSL pass over ids already on the device (one thread
 * per token): logical counts, the physical slot each id is sent to under the layer's map and replica policy,
 * and from it `dispatchStats`' rank loads, rank×rank traffic (once per destination rank) and tokens leaving
 * their home rank or node, plus tokens with a repeated id. Everything is accumulated with atomics into one
 * small statistics buffer, the only thing read back.
 */
export interface StepPassSpec {
  readonly numExperts: number
  readonly k: number
  /** Physical slots per layer. */
  readonly numPhysical: number
  /** Column count of the padded `[L, E, maxReplicas]` logical → physical table. */
  readonly maxReplicas: number
  readonly numRanks: number
  readonly policy: DeviceReplicaPolicy
  /** Also write the chosen physical slots (tests read them back). */
  readonly writePhysical: boolean
}

export const STEP_WORKGROUP = 64

/** Words of one layer's statistics: counts [E], rank slot loads [R], traffic [R, R], then tokens leaving rank, node, duplicates. */
export function stepStatsStride(numExperts: number, numRanks: number): number {
  return numExperts + numRanks + numRanks * numRanks + 3
}

/**
 * Bindings: 0 params, 1 ids `[L·T·k]`, 2 logical → physical `[L, E, M]`, 3 replica counts `[L, E]`,
 * 4 slot ranks `[L, P]`, 5 rank dispatch tables `[L, R, E]` (rank_local only), 6 statistics, 7 physical ids (when written).
 */
export function stepPassSource(spec: StepPassSpec): string {
  const { numExperts: E, k, numPhysical: P, maxReplicas: M, numRanks: R, policy, writePhysical } = spec
  const S = stepStatsStride(E, R)
  const choose =
    policy === 'rank_local'
      ? ['let slot = dispatch[(layer * R + home) * E + e];']
      : [
          'let c = replicas[layer * E + e];',
          policy === 'modulo'
            ? // vLLM's kernel: the flat slot position within the layer mod the replica count.
              'let rep = (t * K + j) % c;'
            : // Counter-based: the same (seed, step, layer, token, slot) always picks the same replica. The bias of
              // `% c` is below c / 2^32.
              'let rep = hash32(hash32(hash32(hash32(hash32(p.seed) ^ p.step) ^ layer) ^ t) ^ j) % c;',
          'let slot = l2p[(layer * E + e) * M + rep];',
        ]
  return [
    'struct Params { totalRows : u32, rows : u32, width : u32, seed : u32, step : u32, ranksPerNode : u32, base : u32, extra : u32 }',
    `const E = ${E}u; const K = ${k}u; const P = ${P}u; const M = ${M}u; const R = ${R}u; const S = ${S}u;`,
    '@group(0) @binding(0) var<uniform> p : Params;',
    '@group(0) @binding(1) var<storage, read> ids : array<u32>;',
    ...(policy === 'rank_local'
      ? ['@group(0) @binding(5) var<storage, read> dispatch : array<u32>;']
      : ['@group(0) @binding(2) var<storage, read> l2p : array<u32>;', '@group(0) @binding(3) var<storage, read> replicas : array<u32>;']),
    '@group(0) @binding(4) var<storage, read> slotRank : array<u32>;',
    '@group(0) @binding(6) var<storage, read_write> stats : array<atomic<u32>>;',
    ...(writePhysical ? ['@group(0) @binding(7) var<storage, read_write> physical : array<u32>;'] : []),
    // A 32-bit integer finaliser (lowbias32): every input bit flips each output bit with probability ≈ ½.
    'fn hash32(x : u32) -> u32 { var h = x; h ^= h >> 16u; h *= 0x7feb352du; h ^= h >> 15u; h *= 0x846ca68bu; h ^= h >> 16u; return h; }',
    `@compute @workgroup_size(${STEP_WORKGROUP})`,
    'fn main(@builtin(global_invocation_id) gid : vec3<u32>) {',
    'let row = gid.x + gid.y * p.width;',
    'if (row >= p.totalRows) { return; }',
    'let layer = row / p.rows;',
    'let t = row - layer * p.rows;',
    // The home rank of a contiguous split (tokenHomeRank): the first `extra` ranks hold base + 1 tokens.
    'let split = p.extra * (p.base + 1u);',
    'var home = 0u;',
    'if (t < split) { home = t / (p.base + 1u); } else { home = p.extra + (t - split) / p.base; }',
    'let homeNode = home / p.ranksPerNode;',
    'let sb = layer * S;',
    'var seenIds : array<u32, K>; var seenRanks : array<u32, K>;',
    'var duplicate = false; var leavesRank = false; var leavesNode = false;',
    'for (var j = 0u; j < K; j++) {',
    'let e = ids[row * K + j];',
    'atomicAdd(&stats[sb + e], 1u);',
    'var rankSeen = false;',
    ...choose,
    ...(writePhysical ? ['physical[row * K + j] = slot;'] : []),
    'let r = slotRank[layer * P + slot];',
    'for (var q = 0u; q < j; q++) { if (seenIds[q] == e) { duplicate = true; } if (seenRanks[q] == r) { rankSeen = true; } }',
    'seenIds[j] = e; seenRanks[j] = r;',
    'atomicAdd(&stats[sb + E + r], 1u);',
    // DeepEP-style dispatch sends a token once to every rank that holds one of its experts.
    'if (!rankSeen) { atomicAdd(&stats[sb + E + R + home * R + r], 1u); }',
    'if (r != home) { leavesRank = true; }',
    'if (r / p.ranksPerNode != homeNode) { leavesNode = true; }',
    '}',
    'let tail = sb + E + R + R * R;',
    'if (leavesRank) { atomicAdd(&stats[tail], 1u); }',
    'if (leavesNode) { atomicAdd(&stats[tail + 1u], 1u); }',
    'if (duplicate) { atomicAdd(&stats[tail + 2u], 1u); }',
    '}',
  ].join('\n')
}
