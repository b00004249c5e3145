import { InvalidArgumentError, assertOneOf, assertPositiveInteger, type Tensor, checkAllocation, checkLimit } from '@routesim/core'
import { assertLoads, readLoadRows, type LoadMatrix, type Loads } from './loads.ts'

// DeepSeek's expert-parallel load balancer (deepseek-ai/EPLB `eplb.py` @d52c72d5; numpy port in vLLM
// `vllm/distributed/eplb/policy/default.py`), re-implemented per layer with plain loops. Arithmetic on
// loads is done in float32 (Math.fround) because the reference calls `weight.float()`: per-replica loads
// `w / count` and pack sums then compare exactly as they do there. Ties always go to the lowest index:
// a stable descending sort for packing order, the first minimum pack, the first maximum `w / count`.

const f32 = Math.fround

/** `auto` = DeepSeek's choice: hierarchical iff numGroups % numNodes == 0, else global. */
export type EplbPolicy = 'auto' | 'hierarchical' | 'global'
export const EPLB_POLICIES: readonly EplbPolicy[] = ['auto', 'hierarchical', 'global']

export interface RebalanceOptions {
  /** Physical expert slots in total (logical experts + redundant replicas); a multiple of numGpus. */
  readonly numReplicas: number
  /** Expert groups of the model (DeepSeek-V3: 8); must divide the logical experts. */
  readonly numGroups: number
  /** Server nodes (fast intra-node links); must divide numGpus (and numGroups for hierarchical). */
  readonly numNodes: number
  /** GPUs (EP ranks) in total. */
  readonly numGpus: number
  readonly policy?: EplbPolicy
}

export interface RebalanceResult {
  /** The policy that ran (`auto` resolved). */
  readonly policy: 'hierarchical' | 'global'
  /** `[layers, numReplicas]`: logical expert held by each physical slot; GPU g holds slots [g·S/G, (g+1)·S/G). */
  readonly physicalToLogical: Tensor<Int32Array>
  /** `[layers, numReplicas]`: which replica (0-based) of its logical expert each slot is. */
  readonly replicaRank: Tensor<Int32Array>
  /** `[layers, experts, maxReplicas]`: physical slots of each logical expert by replica rank, −1 padded. */
  readonly logicalToPhysical: Tensor<Int32Array>
  /** `[layers, experts]`: replicas per logical expert (≥ 1, sums to numReplicas per layer). */
  readonly logicalReplicaCount: Tensor<Int32Array>
}

/** One layer's output of {@link balancedPacking}. */
export interface Packing {
  /** Pack of each item. */
  readonly packIndex: Int32Array
  /** Position of each item inside its pack, in insertion order. */
  readonly rankInPack: Int32Array
}

/**
 * Packs n weighted items into `numPacks` packs of exactly n / numPacks items each, balancing pack weight
 * greedily: heaviest item first (stable), into the lightest pack that still has room (lowest index on ties).
 *
 * @example
 * balancedPacking([4, 3, 2, 1], 2) // packIndex [0, 1, 1, 0], rankInPack [0, 0, 1, 1]
 */
export function balancedPacking(weights: Loads, numPacks: number): Packing {
  assertLoads('weights', weights)
  const packs = assertPositiveInteger('numPacks', numPacks)
  if (weights.length % packs !== 0) {
    throw new InvalidArgumentError({
      parameter: 'numPacks',
      value: packs,
      allowed: `a divisor of the number of items (${weights.length})`,
    })
  }
  return packUnchecked(weights, packs)
}

/** {@link balancedPacking} without validation, for callers that checked sizes already. */
export function packUnchecked(weights: Loads, numPacks: number): Packing {
  const n = weights.length
  const perPack = n / numPacks
  const packIndex = new Int32Array(n)
  const rankInPack = new Int32Array(n)
  if (perPack === 1) {
    for (let i = 0; i < n; i++) packIndex[i] = i
    return { packIndex, rankInPack }
  }
  const order = descendingOrder(weights)
  const packWeight = new Float64Array(numPacks)
  const packItems = new Int32Array(numPacks)
  for (let o = 0; o < n; o++) {
    const item = order[o]!
    let best = -1
    for (let p = 0; p < numPacks; p++) {
      if (packItems[p]! < perPack && (best < 0 || packWeight[p]! < packWeight[best]!)) best = p
    }
    packIndex[item] = best
    rankInPack[item] = packItems[best]!
    packWeight[best] = f32(packWeight[best]! + f32(weights[item]!))
    packItems[best]!++
  }
  return { packIndex, rankInPack }
}

/** Indices sorted by weight, heaviest first; equal weights keep index order (stable). */
function descendingOrder(weights: Loads): Int32Array {
  const order = new Int32Array(weights.length)
  for (let i = 0; i < order.length; i++) order[i] = i
  // Comparing float32 values mirrors `weight.float().sort(descending=True)`.
  return order.sort((a, b) => f32(weights[b]!) - f32(weights[a]!) || a - b)
}

/** One layer's output of {@link replicateExperts}. */
export interface Replication {
  readonly physicalToLogical: Int32Array
  readonly replicaRank: Int32Array
  readonly logicalCount: Int32Array
}

/**
 * Gives every logical expert one slot, then hands each of the remaining `numPhysical − E` slots to the
 * expert with the highest load per replica `w / count` (lowest index on ties), minimising the max replica load.
 *
 * @example
 * replicateExperts([10, 30], 4).physicalToLogical // [0, 1, 1, 1]
 */
export function replicateExperts(weights: Loads, numPhysical: number): Replication {
  assertLoads('weights', weights)
  const physical = checkLimit('numPhysical', numPhysical, 'maxReplicas', 1)
  if (physical < weights.length) {
    throw new InvalidArgumentError({
      parameter: 'numPhysical',
      value: physical,
      allowed: `an integer ≥ the number of logical experts (${weights.length}), so every expert has a replica`,
    })
  }
  return replicateUnchecked(weights, physical)
}

function replicateUnchecked(weights: Loads, numPhysical: number): Replication {
  const numLogical = weights.length
  const physicalToLogical = new Int32Array(numPhysical)
  const replicaRank = new Int32Array(numPhysical)
  const logicalCount = new Int32Array(numLogical).fill(1)
  for (let p = 0; p < numLogical; p++) physicalToLogical[p] = p
  for (let p = numLogical; p < numPhysical; p++) {
    let best = 0
    let bestLoad = f32(f32(weights[0]!) / logicalCount[0]!)
    for (let e = 1; e < numLogical; e++) {
      const load = f32(f32(weights[e]!) / logicalCount[e]!)
      if (load > bestLoad) {
        best = e
        bestLoad = load
      }
    }
    physicalToLogical[p] = best
    replicaRank[p] = logicalCount[best]!
    logicalCount[best]!++
  }
  return { physicalToLogical, replicaRank, logicalCount }
}

interface Sizes {
  numLogical: number
  numPhysical: number
  numGroups: number
  numNodes: number
  numGpus: number
}

function divides(parameter: string, value: number, of: string, total: number): void {
  if (total % value !== 0) {
    throw new InvalidArgumentError({ parameter, value, allowed: `a divisor of ${of} (${total})` })
  }
}

function validateSizes(numLogical: number, options: RebalanceOptions): Sizes & { policy: 'hierarchical' | 'global' } {
  if (options === null || typeof options !== 'object') {
    throw new InvalidArgumentError({ parameter: 'options', value: options, allowed: '{ numReplicas, numGroups, numNodes, numGpus, policy? }' })
  }
  const numPhysical = checkLimit('numReplicas', options.numReplicas, 'maxReplicas', 1)
  const numGroups = assertPositiveInteger('numGroups', options.numGroups)
  const numNodes = assertPositiveInteger('numNodes', options.numNodes)
  const numGpus = assertPositiveInteger('numGpus', options.numGpus)
  const requested = assertOneOf('policy', options.policy ?? 'auto', EPLB_POLICIES)
  if (numPhysical < numLogical) {
    throw new InvalidArgumentError({
      parameter: 'numReplicas',
      value: numPhysical,
      allowed: `an integer ≥ the number of logical experts (${numLogical}), so every expert keeps a replica`,
    })
  }
  divides('numGpus', numGpus, 'numReplicas', numPhysical)
  divides('numNodes', numNodes, 'numGpus', numGpus)
  const policy = requested === 'auto' ? (numGroups % numNodes === 0 ? 'hierarchical' : 'global') : requested
  if (policy === 'hierarchical') {
    divides('numGroups', numGroups, 'the number of logical experts', numLogical)
    if (numGroups % numNodes !== 0) {
      throw new InvalidArgumentError({
        parameter: 'numGroups',
        value: numGroups,
        allowed: `a multiple of numNodes (${numNodes}) for the hierarchical policy (use 'global' or 'auto' otherwise)`,
      })
    }
  }
  return policy === 'hierarchical'
    ? { numLogical, numPhysical, numGroups, numNodes, numGpus, policy }
    : { numLogical, numPhysical, numGroups: 1, numNodes: 1, numGpus, policy }
}

/** Hierarchical rebalance of one layer: groups → nodes, replicate inside each node, replicas → GPUs. */
function rebalanceLayer(weight: Loads, sizes: Sizes, outPhysicalToLogical: Int32Array, outReplicaRank: Int32Array, outCount: Int32Array): void {
  const { numLogical, numPhysical, numGroups, numNodes, numGpus } = sizes
  const groupSize = numLogical / numGroups
  const groupsPerNode = numGroups / numNodes
  const logicalPerNode = numLogical / numNodes
  const physicalPerNode = numPhysical / numNodes
  const gpusPerNode = numGpus / numNodes
  const physicalPerGpu = numPhysical / numGpus

  // Step 1: pack whole groups onto nodes by group load.
  const groupLoad = new Float64Array(numGroups)
  for (let g = 0; g < numGroups; g++) {
    let s = 0
    for (let j = 0; j < groupSize; j++) s = f32(s + f32(weight[g * groupSize + j]!))
    groupLoad[g] = s
  }
  const groups = packUnchecked(groupLoad, numNodes)
  // "Middle" logical ids number experts node by node: node n owns [n·E/N, (n+1)·E/N).
  const middleToLogical = new Int32Array(numLogical)
  for (let g = 0; g < numGroups; g++) {
    const base = (groups.packIndex[g]! * groupsPerNode + groups.rankInPack[g]!) * groupSize
    for (let j = 0; j < groupSize; j++) middleToLogical[base + j] = g * groupSize + j
  }

  const nodeLoad = new Float64Array(logicalPerNode)
  const replicaLoad = new Float64Array(physicalPerNode)
  for (let node = 0; node < numNodes; node++) {
    const offset = node * logicalPerNode
    for (let j = 0; j < logicalPerNode; j++) nodeLoad[j] = f32(weight[middleToLogical[offset + j]!]!)
    // Step 2: replicate inside the node.
    const replicas = replicateUnchecked(nodeLoad, physicalPerNode)
    for (let p = 0; p < physicalPerNode; p++) {
      const m = replicas.physicalToLogical[p]!
      replicaLoad[p] = f32(nodeLoad[m]! / replicas.logicalCount[m]!)
    }
    // Step 3: pack the node's replicas onto its GPUs.
    const gpus = packUnchecked(replicaLoad, gpusPerNode)
    for (let p = 0; p < physicalPerNode; p++) {
      const slot = node * physicalPerNode + gpus.packIndex[p]! * physicalPerGpu + gpus.rankInPack[p]!
      outPhysicalToLogical[slot] = middleToLogical[offset + replicas.physicalToLogical[p]!]!
      outReplicaRank[slot] = replicas.replicaRank[p]!
    }
    for (let j = 0; j < logicalPerNode; j++) outCount[middleToLogical[offset + j]!] = replicas.logicalCount[j]!
  }
}

/**
 * DeepSeek's `rebalance_experts`: from per-layer logical expert loads, choose how many replicas each expert
 * gets and which GPU slot holds each, so that GPU loads are as even as possible. Hierarchical policy packs
 * expert groups onto nodes first (keeps group-limited routing traffic inside nodes; used for prefill); the
 * global policy replicates and packs over all GPUs at once (decode).
 *
 * @example
 * // The deepseek-ai/EPLB README example:
 * const plan = rebalanceExperts(
 *   [[90, 132, 40, 61, 104, 165, 39, 4, 73, 56, 183, 86], [20, 107, 104, 64, 19, 197, 187, 157, 172, 86, 16, 27]],
 *   { numReplicas: 16, numGroups: 4, numNodes: 2, numGpus: 8 },
 * )
 * plan.physicalToLogical.data.slice(0, 16) // [5, 6, 5, 7, 8, 4, 3, 4, 10, 9, 10, 2, 0, 1, 11, 1]
 */
export function rebalanceExperts(weight: LoadMatrix, options: RebalanceOptions): RebalanceResult {
  const rows = readLoadRows('weight', weight)
  const numLayers = rows.length
  const sizes = validateSizes(rows[0]!.length, options)
  const { numLogical, numPhysical } = sizes
  checkAllocation('numReplicas × layers', [
    [numLayers * numPhysical, 4],
    [numLayers * numPhysical, 4],
    [numLayers * numLogical, 4],
  ])
  // −1 until written, so a slot the algorithm failed to fill could never pass as expert 0.
  const physicalToLogical = new Int32Array(numLayers * numPhysical).fill(-1)
  const replicaRank = new Int32Array(numLayers * numPhysical)
  const count = new Int32Array(numLayers * numLogical)
  for (let l = 0; l < numLayers; l++) {
    rebalanceLayer(
      rows[l]!,
      sizes,
      physicalToLogical.subarray(l * numPhysical, (l + 1) * numPhysical),
      replicaRank.subarray(l * numPhysical, (l + 1) * numPhysical),
      count.subarray(l * numLogical, (l + 1) * numLogical),
    )
  }
  let maxReplicas = 1
  for (let i = 0; i < count.length; i++) if (count[i]! > maxReplicas) maxReplicas = count[i]!
  const logicalToPhysical = new Int32Array(numLayers * numLogical * maxReplicas).fill(-1)
  for (let l = 0; l < numLayers; l++) {
    for (let p = 0; p < numPhysical; p++) {
      const e = physicalToLogical[l * numPhysical + p]!
      logicalToPhysical[(l * numLogical + e) * maxReplicas + replicaRank[l * numPhysical + p]!] = p
    }
  }
  return {
    policy: sizes.policy,
    physicalToLogical: { data: physicalToLogical, shape: [numLayers, numPhysical] },
    replicaRank: { data: replicaRank, shape: [numLayers, numPhysical] },
    logicalToPhysical: { data: logicalToPhysical, shape: [numLayers, numLogical, maxReplicas] },
    logicalReplicaCount: { data: count, shape: [numLayers, numLogical] },
  }
}
