import { InvalidArgumentError, ShapeMismatchError, assertPositiveInteger, checkLimit } from '@routesim/core'
import { packUnchecked, type RebalanceResult } from './eplb.ts'
import { readLoadRows, type LoadMatrix } from './loads.ts'

// SGLang's time-aware EPLB (`python/sglang/srt/eplb/eplb_algorithms/deepseek_vec.py` @68836b60, the
// `deepseek_vec` / `deepseek_vec_hierarchical` algorithms). Where DeepSeek's algorithm replicates by the
// summed load, this one keeps the per-step loads of the window and gives each redundant slot to the expert
// that minimises Σ_steps max(per-replica load) — the straggler cost summed over time. GPUs are then filled
// in a snake (boustrophedon) order of per-replica load. Arithmetic is float32 as in the reference; ties go
// to the lowest index (the reference adds e·1e-4 to loads so experts never tie on the max, and sorts GPU
// slots with torch's unspecified order for equal scores — here a stable sort).

const f32 = Math.fround

export interface TimeAwareRebalanceOptions {
  /** Physical slots in total; a multiple of numGpus. */
  readonly numReplicas: number
  readonly numGpus: number
  /** `deepseek_vec_hierarchical`: pack expert groups onto nodes first (needs numGroups % numNodes = 0). */
  readonly hierarchical?: boolean
  readonly numGroups?: number
  readonly numNodes?: number
}

interface Chunkwise {
  readonly physicalToLogical: Int32Array
  readonly count: Int32Array
}

/** SGLang `make_redundant_experts_chunkwise` for one layer: `loads[s·E + e]` are float32 values. */
function chunkwise(loads: Float64Array, numSteps: number, numLogical: number, numPhysical: number, perGpu: number, perChunk: number): Chunkwise {
  const numChunks = numPhysical / perChunk
  const logicalPerChunk = numLogical / numChunks
  const redundantPerChunk = (numPhysical - numLogical) / numChunks
  const phy2log = new Int32Array(numPhysical)
  const count = new Int32Array(numLogical).fill(1)
  for (let c = 0; c < numChunks; c++) for (let j = 0; j < logicalPerChunk; j++) phy2log[c * perChunk + j] = c * logicalPerChunk + j
  // Distinct scores: the reference adds arange(E)·1e-4, computed in float32.
  const tie = f32(1e-4)
  const diff = new Float64Array(loads.length)
  for (let s = 0; s < numSteps; s++) for (let e = 0; e < numLogical; e++) diff[s * numLogical + e] = f32(loads[s * numLogical + e]! + f32(f32(e) * tie))
  const total = new Float64Array(logicalPerChunk)
  for (let i = 0; i < redundantPerChunk; i++) {
    for (let c = 0; c < numChunks; c++) {
      const first = c * logicalPerChunk
      total.fill(0)
      for (let s = 0; s < numSteps; s++) {
        const row = s * numLogical + first
        let best = 0
        let bestScore = -Infinity
        let second = -Infinity
        for (let j = 0; j < logicalPerChunk; j++) {
          const score = f32(diff[row + j]! / count[first + j]!)
          if (score > bestScore) {
            second = bestScore
            bestScore = score
            best = j
          } else if (score > second) second = score
        }
        // If `best` gets one more replica its score drops to w/(count+1); the step's max becomes the larger of that and the runner-up.
        const relieved = f32(loads[row + best]! / (count[first + best]! + 1))
        const newMax = relieved > second ? relieved : second
        for (let j = 0; j < logicalPerChunk; j++) total[j] = f32(total[j]! + (j === best ? newMax : bestScore))
      }
      let pick = 0
      for (let j = 1; j < logicalPerChunk; j++) if (total[j]! < total[pick]!) pick = j
      phy2log[c * perChunk + logicalPerChunk + i] = first + pick
      count[first + pick]!++
    }
  }
  if (perGpu > 1) {
    // Snake-order packing of each chunk's slots onto its GPUs by per-replica load (summed over steps).
    const summed = new Float64Array(numLogical)
    for (let s = 0; s < numSteps; s++) for (let e = 0; e < numLogical; e++) summed[e] = f32(summed[e]! + loads[s * numLogical + e]!)
    const gpusPerChunk = perChunk / perGpu
    const packed = new Int32Array(numPhysical)
    const score = new Float64Array(perChunk)
    for (let c = 0; c < numChunks; c++) {
      const base = c * perChunk
      for (let p = 0; p < perChunk; p++) {
        const e = phy2log[base + p]!
        score[p] = f32(summed[e]! / count[e]!)
      }
      const order = Int32Array.from({ length: perChunk }, (_, p) => p).sort((a, b) => score[b]! - score[a]! || a - b)
      for (let g = 0; g < gpusPerChunk; g++) {
        for (let r = 0; r < perGpu; r++) {
          const column = r % 2 === 0 ? g : gpusPerChunk - 1 - g
          packed[base + g * perGpu + r] = phy2log[base + order[r * gpusPerChunk + column]!]!
        }
      }
    }
    return { physicalToLogical: packed, count }
  }
  return { physicalToLogical: phy2log, count }
}

/**
 * SGLang's time-aware `deepseek_vec` rebalance from per-step loads (`stepLoads[s]` is a `[layers, experts]`
 * matrix of one recorded forward pass). Returns the same maps as {@link rebalanceExperts}; replicas of an
 * expert are ranked by slot.
 *
 * @example
 * // Two steps, one layer: experts 0, 1 busy in step 0, expert 2 alone in step 1.
 * rebalanceExpertsTimeAware([[[80, 70, 0]], [[0, 0, 60]]], { numReplicas: 4, numGpus: 1 })
 *   .logicalReplicaCount.data // [1, 1, 2] (DeepSeek's summed-load rule would replicate expert 0)
 */
export function rebalanceExpertsTimeAware(stepLoads: readonly LoadMatrix[], options: TimeAwareRebalanceOptions): RebalanceResult {
  if (!Array.isArray(stepLoads) || stepLoads.length === 0) {
    throw new InvalidArgumentError({ parameter: 'stepLoads', value: stepLoads, allowed: 'a non-empty array of per-step [layers, experts] load matrices' })
  }
  // The window is bounded before any step is read.
  checkLimit('stepLoads.length (window steps)', stepLoads.length, 'maxEplbWindow', 1)
  const steps = stepLoads.map((m, s) => readLoadRows(`stepLoads[${s}]`, m))
  const numSteps = steps.length
  const numLayers = steps[0]!.length
  const numLogical = steps[0]![0]!.length
  steps.forEach((rows, s) => {
    if (rows.length !== numLayers || rows[0]!.length !== numLogical) {
      throw new ShapeMismatchError({ parameter: `stepLoads[${s}]`, expected: `[${numLayers}, ${numLogical}]`, actual: `[${rows.length}, ${rows[0]!.length}]` })
    }
  })
  if (options === null || typeof options !== 'object') {
    throw new InvalidArgumentError({ parameter: 'options', value: options, allowed: '{ numReplicas, numGpus, hierarchical?, numGroups?, numNodes? }' })
  }
  const numPhysical = checkLimit('numReplicas', options.numReplicas, 'maxReplicas', 1)
  const numGpus = assertPositiveInteger('numGpus', options.numGpus)
  const hierarchical = options.hierarchical ?? false
  const numNodes = hierarchical ? assertPositiveInteger('numNodes', options.numNodes) : 1
  const numGroups = hierarchical ? assertPositiveInteger('numGroups', options.numGroups) : 1
  if (numPhysical < numLogical) {
    throw new InvalidArgumentError({ parameter: 'numReplicas', value: numPhysical, allowed: `an integer ≥ the number of logical experts (${numLogical})` })
  }
  if (numPhysical % numGpus !== 0) {
    throw new InvalidArgumentError({ parameter: 'numGpus', value: numGpus, allowed: `a divisor of numReplicas (${numPhysical})` })
  }
  const perGpu = numPhysical / numGpus
  const perChunk = numPhysical / numNodes
  if (hierarchical) {
    if (numLogical % numGroups !== 0) {
      throw new InvalidArgumentError({ parameter: 'numGroups', value: numGroups, allowed: `a divisor of the number of logical experts (${numLogical})` })
    }
    if (numGroups % numNodes !== 0) {
      throw new InvalidArgumentError({ parameter: 'numGroups', value: numGroups, allowed: `a multiple of numNodes (${numNodes})` })
    }
    if (numPhysical % numNodes !== 0 || (numPhysical - numLogical) % numNodes !== 0 || perChunk % perGpu !== 0) {
      throw new InvalidArgumentError({
        parameter: 'numNodes',
        value: numNodes,
        allowed: `a count that splits the slots (${numPhysical}), the redundant slots (${numPhysical - numLogical}) and whole GPUs (${perGpu} slots each) evenly`,
      })
    }
  }

  const physicalToLogical = new Int32Array(numLayers * numPhysical)
  const count = new Int32Array(numLayers * numLogical)
  const loads = new Float64Array(numSteps * numLogical)
  const groupSize = numLogical / numGroups
  for (let l = 0; l < numLayers; l++) {
    let middleToLogical: Int32Array | undefined
    if (hierarchical) {
      // Pack groups onto nodes by their load summed over steps (SGLang `pack_groups`).
      const summed = new Float64Array(numLogical)
      for (let s = 0; s < numSteps; s++) for (let e = 0; e < numLogical; e++) summed[e] = f32(summed[e]! + f32(steps[s]![l]![e]!))
      const groupLoad = new Float64Array(numGroups)
      for (let g = 0; g < numGroups; g++) for (let j = 0; j < groupSize; j++) groupLoad[g] = f32(groupLoad[g]! + summed[g * groupSize + j]!)
      const packing = packUnchecked(groupLoad, numNodes)
      const groupsPerNode = numGroups / numNodes
      middleToLogical = new Int32Array(numLogical)
      for (let g = 0; g < numGroups; g++) {
        const slot = packing.packIndex[g]! * groupsPerNode + packing.rankInPack[g]!
        for (let j = 0; j < groupSize; j++) middleToLogical[slot * groupSize + j] = g * groupSize + j
      }
    }
    for (let s = 0; s < numSteps; s++) {
      const row = steps[s]![l]!
      for (let m = 0; m < numLogical; m++) loads[s * numLogical + m] = f32(row[middleToLogical ? middleToLogical[m]! : m]!)
    }
    const result = chunkwise(loads, numSteps, numLogical, numPhysical, perGpu, perChunk)
    for (let p = 0; p < numPhysical; p++) {
      const m = result.physicalToLogical[p]!
      physicalToLogical[l * numPhysical + p] = middleToLogical ? middleToLogical[m]! : m
    }
    for (let m = 0; m < numLogical; m++) count[l * numLogical + (middleToLogical ? middleToLogical[m]! : m)] = result.count[m]!
  }
  let maxReplicas = 1
  for (let i = 0; i < count.length; i++) if (count[i]! > maxReplicas) maxReplicas = count[i]!
  const replicaRank = new Int32Array(numLayers * numPhysical)
  const logicalToPhysical = new Int32Array(numLayers * numLogical * maxReplicas).fill(-1)
  const filled = new Int32Array(numLogical)
  for (let l = 0; l < numLayers; l++) {
    filled.fill(0)
    for (let p = 0; p < numPhysical; p++) {
      const e = physicalToLogical[l * numPhysical + p]!
      const r = filled[e]!++
      replicaRank[l * numPhysical + p] = r
      logicalToPhysical[(l * numLogical + e) * maxReplicas + r] = p
    }
  }
  return {
    policy: hierarchical ? 'hierarchical' : 'global',
    physicalToLogical: { data: physicalToLogical, shape: [numLayers, numPhysical] },
    replicaRank: { data: replicaRank, shape: [numLayers, numPhysical] },
    logicalToPhysical: { data: logicalToPhysical, shape: [numLayers, numLogical, maxReplicas] },
    logicalReplicaCount: { data: count, shape: [numLayers, numLogical] },
  }
}
