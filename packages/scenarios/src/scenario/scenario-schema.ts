import { EPLB_POLICIES } from '@routesim/analysis'
import { InvalidArgumentError, LIMITS, parameterSchema, parameterValidator, type StrategyDefinition } from '@routesim/core'
import { MAX_THREADS, createSimulator, type Simulator } from '@routesim/simulator'
import {
  Array as ArrayOf,
  Boolean as BooleanType,
  Integer,
  Literal,
  Number as NumberType,
  Object as ObjectOf,
  Optional,
  Record as RecordOf,
  String as StringType,
  Union,
  Unknown,
  type Static,
  type TSchema,
} from '@sinclair/typebox'
import { CAPACITY_POLICY_SPECS } from './capacity-settings.ts'
import { REPLICA_CHOICES } from './scenario.ts'
import { MODEL_PRESETS } from '../presets/model-presets.ts'

/**
 * The scenario file as JSON Schema (TypeBox): the one description of its shape. `parseScenario`
 * checks a file against it once and then checks what depends on the model (the preset, its layer
 * count, strategy names and parameters, divisibility); `scenario.schema.json` in this package is this
 * schema, written out by `scripts/write-scenario-schema.mjs` for editors.
 */

/** Upper bound on tokens per step (`LIMITS.maxTokens`): keeps T·k and T·E buffers well inside typed-array limits. */
export const MAX_TOKENS_PER_STEP = LIMITS.maxTokens

/** Longest layer range text ("3-7") read; anything longer is refused before it is parsed. */
export const MAX_LAYER_RANGE_TEXT = 64

const integer = (minimum: number, maximum: number | undefined, description: string) =>
  Integer({ minimum, ...(maximum === undefined ? {} : { maximum }), description })

const enumOf = <T extends string>(values: readonly T[], description: string) =>
  Union(
    values.map((v) => Literal(v)),
    { description },
  )

const StrategyParams = RecordOf(StringType(), Unknown(), {
  description: 'Strategy parameters (see `routesim strategies NAME`); checked against the strategy’s own parameter schema.',
})

const StrategyObject = ObjectOf(
  {
    name: StringType({ description: "A registered strategy name, or 'native' for the preset's own router." }),
    params: Optional(StrategyParams),
  },
  { additionalProperties: false },
)

const StrategyRef = Union([StringType({ description: "A registered strategy name, or 'native' for the preset's own router." }), StrategyObject], {
  description: 'The strategy every layer uses unless layerStrategies overrides it.',
})

const LayerSelection = Union(
  [
    Integer({ minimum: 0, description: 'One layer index.' }),
    StringType({ pattern: '^\\s*(\\d+)\\s*(?:-\\s*(\\d+)\\s*)?$', maxLength: MAX_LAYER_RANGE_TEXT, description: 'A layer index or an inclusive range "a-b".' }),
    ArrayOf(Integer({ minimum: 0 }), { minItems: 1, maxItems: LIMITS.maxLayers, description: 'A list of layer indices.' }),
  ],
  { description: 'Simulated MoE layers (0-based, below `layers`).' },
)

const LayerStrategy = ObjectOf(
  {
    name: StrategyObject.properties.name,
    params: Optional(StrategyParams),
    layers: LayerSelection,
  },
  { additionalProperties: false },
)

const Logits = ObjectOf(
  {
    mean: Optional(NumberType({ default: 0, description: 'Mean of the normal router logits.' })),
    std: Optional(NumberType({ minimum: 0, default: 1, description: 'Standard deviation of the normal router logits.' })),
  },
  { additionalProperties: false, description: 'Normal router logits fed to strategies that read logits.' },
)

const Parallel = ObjectOf(
  {
    epSize: Optional(integer(1, LIMITS.maxEpSize, 'Expert-parallel ranks (GPUs); must divide the physical expert slots.')),
    nodes: Optional(integer(1, LIMITS.maxEpSize, 'Nodes the ranks are split over; must divide epSize.')),
    placement: Optional(enumOf(['linear', 'round_robin'], 'Layout of logical experts over ranks when EPLB is off.')),
  },
  { additionalProperties: false },
)

function capacityEntry(policy: string) {
  const properties: Record<string, TSchema> = { policy: Literal(policy), label: Optional(StringType({ description: 'Label in the results.' })) }
  for (const [key, spec] of Object.entries(CAPACITY_POLICY_SPECS[policy]!)) properties[key] = Optional(parameterSchema(spec))
  return ObjectOf(properties, { additionalProperties: false })
}

const CapacityEntry = Union(Object.keys(CAPACITY_POLICY_SPECS).map(capacityEntry), {
  description: 'A capacity policy to count dropped tokens with, and its parameters.',
})

const Eplb = ObjectOf(
  {
    enabled: Optional(BooleanType({ default: true })),
    windowSize: Optional(integer(1, LIMITS.maxEplbWindow, 'Steps of load kept in the sliding window (vLLM window_size).')),
    stepInterval: Optional(integer(1, undefined, 'Rebalance every this many steps (vLLM step_interval).')),
    redundantExperts: Optional(integer(0, LIMITS.maxReplicas, 'Extra physical slots beyond the logical experts.')),
    policy: Optional(enumOf(EPLB_POLICIES, 'DeepSeek rebalance_experts policy.')),
    replicaChoice: Optional(enumOf(REPLICA_CHOICES, 'Which replica of a logical expert a (token, slot) goes to.')),
    preserveIntraGpuSlots: Optional(BooleanType({ description: "vLLM's preserve_intragpu_slots." })),
    initialReplicaCounts: Optional(
      ArrayOf(integer(1, 1023, 'Replicas of one logical expert.'), {
        maxItems: LIMITS.maxExperts,
        description: 'Replicas per logical expert, summing to experts + redundantExperts.',
      }),
    ),
  },
  { additionalProperties: false },
)

/** The scenario file: what `routesim simulate --scenario FILE` and `parseScenario` read. */
export const ScenarioFileSchema = ObjectOf(
  {
    $schema: Optional(StringType({ description: 'The JSON Schema this file follows (for editors); ignored by routesim.' })),
    name: Optional(StringType({ description: 'Name in the results (default: the preset name).' })),
    seed: Optional(
      Union([Integer({ minimum: Number.MIN_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER }), StringType()], {
        default: 0,
        description: 'Seed: the same seed gives the same results.',
      }),
    ),
    preset: StringType({ description: 'Model preset.', examples: MODEL_PRESETS.map((p) => p.name) }),
    layers: Optional(integer(1, LIMITS.maxLayers, "Simulate only the model's first `layers` MoE layers (at most the preset's).")),
    tokensPerStep: integer(1, MAX_TOKENS_PER_STEP, 'Tokens routed per step.'),
    steps: integer(1, undefined, 'Steps to simulate.'),
    strategy: Optional(StrategyRef),
    layerStrategies: Optional(ArrayOf(LayerStrategy, { description: 'Per-layer overrides: later entries win.' })),
    logits: Optional(Logits),
    parallel: Optional(Parallel),
    capacity: Optional(Union([CapacityEntry, ArrayOf(CapacityEntry)])),
    eplb: Optional(Eplb),
    threads: Optional(
      integer(
        1,
        MAX_THREADS,
        'Threads the run uses, the calling one included (default: ROUTESIM_THREADS, else every core). Never changes results: each layer keeps its state on one thread.',
      ),
    ),
  },
  {
    title: 'routesim scenario',
    description: 'A multi-layer, multi-step MoE routing scenario (routesim simulate --scenario FILE).',
    additionalProperties: false,
  },
)

/** A scenario file as written (before defaults), inferred from its schema. */
export type ScenarioFile = Static<typeof ScenarioFileSchema>

/** A strategy's parameters as a file may write them: the resolved schema, with defaulted keys optional. */
function fileParametersSchema(definition: StrategyDefinition): Record<string, unknown> {
  const resolved = JSON.parse(JSON.stringify(parameterValidator(definition.parameters).schema)) as Record<string, unknown>
  const required = Object.entries(definition.parameters).flatMap(([key, spec]) => (spec.default === undefined && !spec.optional ? [key] : []))
  return { ...resolved, required }
}

/**
 * `if name is X then params follow X's parameter schema`, for every built-in strategy, so editors
 * complete and check parameters too. Plugins' names are any other string (checked when the file is read).
 */
function strategyParameterRules(simulator: Simulator): Record<string, unknown>[] {
  return simulator.getAvailableStrategies().map((name) => ({
    if: { properties: { name: { const: name } }, required: ['name'] },
    then: { properties: { params: fileParametersSchema(simulator.describeStrategy(name)) } },
  }))
}

/**
 * The scenario file's JSON Schema as plain JSON (draft-07): what `scenario.schema.json` holds.
 * `ScenarioFileSchema`, plus each built-in strategy's parameter schema on strategy objects (the
 * parameters `parseScenario` checks with the strategy's own schema).
 */
export function scenarioJsonSchema(simulator: Simulator = createSimulator()): Record<string, unknown> {
  if (typeof simulator?.getAvailableStrategies !== 'function')
    throw new InvalidArgumentError({ parameter: 'simulator', value: simulator, allowed: 'a Simulator from createSimulator' })
  const schema = JSON.parse(JSON.stringify(ScenarioFileSchema)) as { properties: Record<string, Record<string, unknown>> }
  const rules = { $ref: '#/definitions/strategyParameters' }
  const strategy = schema.properties['strategy']!
  const layerStrategies = schema.properties['layerStrategies']!
  ;(strategy['anyOf'] as Record<string, unknown>[])[1]!['allOf'] = [rules]
  ;(layerStrategies['items'] as Record<string, unknown>)['allOf'] = [rules]
  const definitions = { strategyParameters: { allOf: strategyParameterRules(simulator) } }
  return { $schema: 'http://json-schema.org/draft-07/schema#', ...schema, definitions }
}

/** `scenario.schema.json`'s text: the schema, two-space indented, with a final newline. */
export function scenarioJsonSchemaText(): string {
  return `${JSON.stringify(scenarioJsonSchema(), null, 2)}\n`
}
