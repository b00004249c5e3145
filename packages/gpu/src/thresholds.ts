/**
 * Named limits and hand-off thresholds of the gpu.js backend. Each says why it has its value; the
 * README lists them. Hand-offs go to the reference backend (plain TypeScript, the truth), which the
 * backend reports through `lastRun`.
 */

/**
 * Top-k problems with fewer than this many logits (rows × experts) run on the reference backend: a
 * kernel launch (argument copy, worker hand-off, readback) has a fixed cost. Measured on the 2-core dev
 * machine (softmax, E = 256, k = 8, median ms reference / webasm): 8,192 logits 0.18 / 0.31,
 * 32,768 0.61 / 0.82, 131,072 6.8 / 3.2 — the crossover lies between the last two.
 */
export const TOPK_REFERENCE_HANDOFF_ELEMENTS = 65_536

/**
 * Samplings with fewer than this many drawn ids (rows × k) run on the reference backend. Measured
 * (uniform_distinct, E = 256, k = 8, ms reference / webasm): 2,048 ids 0.12 / 0.13, 8,192 0.43 / 0.33.
 */
export const SAMPLE_REFERENCE_HANDOFF_SLOTS = 4_096

/**
 * No kernel argument exceeds this many bytes: headless-gl returns silently wrong results above
 * ~1.5 GiB per input, SwiftShader's WebGPU adapter caps a storage buffer at 1 GiB, and webasm copies
 * each argument into one wasm memory. WebGPU also respects the device's `maxStorageBufferBindingSize`.
 */
export const MAX_ARGUMENT_BYTES = 2 ** 30

/**
 * GL backends store an argument as an RGBA32F texture; Chromium's WebGL2 caps a side at 8192 texels
 * (1 GiB), so GL arguments stay at a quarter of that.
 */
export const GL_MAX_ARGUMENT_BYTES = 2 ** 28

/**
 * At most this many rows per kernel call. Keeps GL output textures (1-D outputs fold into a near-square
 * texture, ≤ 8192 per side in Chromium) and WebGPU dispatches (≤ 65,535 workgroups per dimension; gpu.js
 * folds 1-D dispatches across y) far inside their limits, and bounds host memory per chunk.
 */
export const MAX_CHUNK_ROWS = 2 ** 20

/** Largest k the generated top-k kernel handles (k scalar slots per thread); larger k hands off. */
export const KERNEL_MAX_TOPK = 32

/** Largest expert count handled in kernels: ids are packed ≥ 2 per f32, exact below 2^24. */
export const KERNEL_MAX_EXPERTS = 4096

/** Largest group count for grouped top-k in kernels (the group ranking is unrolled, O(groups²) lines). */
export const KERNEL_MAX_GROUPS = 32

/** Logits and biases must stay within ±this for kernels (their "−∞" sentinel is −3e38); else hand off. */
export const KERNEL_VALUE_LIMIT = 1e30

/**
 * Distinct sampling uses rejection of repeats when the k−1 heaviest experts hold at most this share of
 * the weight: each slot then fails all `REJECTION_MAX_TRIES` attempts with probability ≤ 2^-64, and a
 * failed row is redrawn on the host (so a failure costs time, never correctness). Heavier-headed
 * weights use Gumbel-top-k.
 */
export const REJECTION_MAX_MASS = 0.5

/** Attempts per slot in rejection sampling before the row is handed to the host. */
export const REJECTION_MAX_TRIES = 64

/**
 * The device scenario step keeps every layer's ids in one storage buffer of at most this many bytes: WebGPU's
 * default `maxStorageBufferBindingSize`, which every device binds (DeepSeek-V3's 58 layers × 4096 tokens × 8 take 7.6 MB).
 */
export const STEP_MAX_ID_BYTES = 2 ** 27
