import { chartsReady, heatmapChart, stepsChart } from '../charts/plots.ts'
import type { ScenarioRequest, ScenarioStep } from '../engine/protocol.ts'
import { capacityKnob, scenarioFile } from '../engine/scenario-file.ts'
import { backendSelect } from '../ui/backend-select.ts'
import { copyText, field, fmt, h, numberInput, select, widthOf } from '../ui/dom.ts'
import type { AppContext } from './app-context.ts'
import { nextTask } from './layer-panel.ts'

/** The form's values survive view switches (not in the URL: a scenario is shared as a file). */
let settings: ScenarioRequest = {
  preset: 'deepseek-v3',
  strategy: 'zipf',
  layers: 4,
  tokensPerStep: 4096,
  steps: 120,
  epSize: 32,
  nodes: 4,
  seed: 42,
  capacityPolicy: 'megatron',
  capacityFactor: 1.25,
  eplb: { enabled: true, windowSize: 30, stepInterval: 40, redundantExperts: 32, replicaChoice: 'modulo' },
}
let cancelRunning: (() => void) | undefined

/** Scenario: a preset over steps, before/after EPLB, with progress and Cancel; runs `runScenario` in the worker. */
export function renderScenario(ctx: AppContext, root: HTMLElement): void {
  cancelRunning?.()
  const form = h('form', { class: 'controls', 'aria-label': 'Scenario settings' })
  const set = (change: Partial<ScenarioRequest>) => (settings = { ...settings, ...change })
  const setEplb = (change: Partial<ScenarioRequest['eplb']>) => (settings = { ...settings, eplb: { ...settings.eplb, ...change } })
  const num = (name: string, label: string, value: number, apply: (v: number) => void, opts: { min?: number; step?: number | string } = {}, hint?: string) => {
    const input = numberInput(name, value, { min: opts.min, step: opts.step ?? 1 })
    input.addEventListener('change', () => apply(Number(input.value)))
    return field(label, input, hint)
  }
  const preset = select(
    'preset',
    ctx.info.presets.map((p) => ({ value: p.name, label: `${p.name} (${p.numExperts} experts, top-${p.topK}, ${p.moeLayers} MoE layers)` })),
    settings.preset,
  )
  preset.addEventListener('change', () => set({ preset: preset.value }))
  const strategy = select('strategy', ['native', ...ctx.info.strategies.map((s) => s.name)], settings.strategy)
  strategy.addEventListener('change', () => set({ strategy: strategy.value }))
  const capacity = select('capacity', ctx.info.capacityPolicies, settings.capacityPolicy)
  capacity.addEventListener('change', () => set({ capacityPolicy: capacity.value }))
  const eplb = h('input', { type: 'checkbox', name: 'eplb', checked: settings.eplb.enabled })
  eplb.addEventListener('change', () => setEplb({ enabled: eplb.checked }))
  const replica = select('replica-choice', ctx.info.replicaChoices, settings.eplb.replicaChoice)
  replica.addEventListener('change', () => setEplb({ replicaChoice: replica.value }))
  const backendName = ctx.state().backend
  const backend = backendSelect(backendName, (b) => ctx.update({ backend: b }))
  const run = h('button', { type: 'submit', class: 'primary' }, 'Run scenario')
  const cancel = h('button', { type: 'button', disabled: true }, 'Cancel')
  form.append(
    field('Model preset', preset),
    field('Strategy', strategy, "'native' is the preset's own router."),
    num('layers', 'MoE layers simulated', settings.layers, (v) => set({ layers: v }), { min: 1 }),
    num('tokens-per-step', 'Tokens per step', settings.tokensPerStep, (v) => set({ tokensPerStep: v }), { min: 1 }),
    num('steps', 'Steps', settings.steps, (v) => set({ steps: v }), { min: 1 }),
    num('ep-size', 'EP size', settings.epSize, (v) => set({ epSize: v }), { min: 1 }),
    num('nodes', 'Nodes', settings.nodes, (v) => set({ nodes: v }), { min: 1 }),
    num('seed', 'Seed', settings.seed, (v) => set({ seed: v }), { min: 0 }),
    field('Capacity policy', capacity),
    num('capacity-factor', 'Capacity factor (γ for capacity_aware)', settings.capacityFactor, (v) => set({ capacityFactor: v }), { min: 0, step: 'any' }),
    h(
      'fieldset',
      { class: 'params' },
      h('legend', {}, 'EPLB'),
      field('Rebalance with EPLB', eplb),
      num('window', 'Window (steps)', settings.eplb.windowSize, (v) => setEplb({ windowSize: v }), { min: 1 }),
      num('interval', 'Rearrange every (steps)', settings.eplb.stepInterval, (v) => setEplb({ stepInterval: v }), { min: 1 }),
      num('redundant', 'Redundant experts', settings.eplb.redundantExperts, (v) => setEplb({ redundantExperts: v }), { min: 0 }),
      field('Replica choice', replica),
    ),
    field('Backend', backend, 'Every layer routes and counts on it; the numbers are the same on each.'),
    h('div', { class: 'toolbar' }, run, cancel),
  )
  const progress = h('progress', { max: 1, value: 0, 'aria-label': 'Scenario progress' })
  const status = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' }, 'Set a scenario and press Run.')
  const copy = h('button', { type: 'button' }, 'Copy scenario file')
  copy.addEventListener('click', () => void copyText(`${JSON.stringify(scenarioFile(settings), null, 2)}\n`).then(() => (copy.textContent = 'Copied')))
  const charts = h('div', { class: 'charts', 'data-testid': 'scenario-results' })
  const summaryBox = h('div', { class: 'results' })
  const main = h('div', { class: 'main' }, h('div', { class: 'toolbar' }, progress, copy), status, summaryBox, charts)
  root.replaceChildren(h('div', { class: 'split' }, form, main))

  form.addEventListener('submit', (event) => {
    event.preventDefault()
    const request = settings
    const steps: ScenarioStep[] = []
    let heatStatic: Float64Array | undefined
    let heatDeployed: Float64Array | undefined
    let lastDraw = 0
    let drawSeq = 0
    let drawing: Promise<void> = Promise.resolve()
    // Charts are built one per task into a detached list and swapped in together; a newer draw supersedes an older one.
    const draw = (final: boolean) => {
      const seq = ++drawSeq
      drawing = drawing.then(() => drawNow(seq, final))
    }
    const drawNow = async (seq: number, final: boolean) => {
      if (seq !== drawSeq) return
      const w = widthOf(main)
      const half = w >= 900 ? Math.floor((w - 48) / 2) : w
      const rebalances = steps.filter((s) => s.rebalanced).map((s) => s.step)
      const layers = heatStatic ? heatStatic.length / request.epSize : 0
      const meanStatic = heatStatic ? heatStatic.map((v) => v / steps.length) : new Float64Array(0)
      const meanDeployed = heatDeployed ? heatDeployed.map((v) => v / steps.length) : new Float64Array(0)
      // One colour scale for both heatmaps, so "after" is directly comparable with "before".
      let top = 0
      for (const v of meanStatic) top = Math.max(top, v)
      for (const v of meanDeployed) top = Math.max(top, v)
      const heatHeight = Math.max(140, Math.min(360, layers * 24 + 80))
      // Per-layer mean ÷ max of the drawn rows, averaged over layers: the picture's balancedness, as a number.
      const pictured = (data: Float64Array) => {
        let sum = 0
        for (let l = 0; l < layers; l++) {
          const row = data.subarray(l * request.epSize, (l + 1) * request.epSize)
          const max = Math.max(...row)
          sum += max > 0 ? row.reduce((a, b) => a + b, 0) / row.length / max : 1
        }
        return layers > 0 ? sum / layers : 0
      }
      const heatmap = (data: Float64Array, title: string, testid: string) => () =>
        h(
          'figure',
          { class: 'card', 'data-testid': testid, 'data-balancedness': String(pictured(data)) },
          h('figcaption', {}, title),
          heatmapChart(data, layers, request.epSize, {
            width: half,
            height: heatHeight,
            xLabel: 'EP rank →',
            yLabel: '↑ layer',
            label: 'slots',
            scheme: 'magma',
            domain: [0, top || 1],
          }),
        )
      const series = (get: (s: ScenarioStep) => number) => steps.map(get)
      const staticB = series((s) => s.staticBalancedness)
      const deployedB = series((s) => s.deployedBalancedness)
      const dropped = series((s) => s.droppedFraction)
      const offRank = series((s) => s.copiesLeavingRankPerToken)
      const offNode = series((s) => s.copiesLeavingNodePerToken)
      const parts: (() => HTMLElement)[] = [
        () =>
          h(
            'figure',
            { class: 'card wide' },
            h('figcaption', {}, 'Balancedness (mean ÷ max rank load) per step: static layout vs deployed EPLB map (dotted: rearrangements)'),
            stepsChart(
              [
                { name: 'before EPLB (static)', values: staticB },
                { name: 'after EPLB (deployed)', values: deployedB },
              ],
              { width: w, yLabel: '↑ balancedness', yDomain: [0, 1], marks: rebalances },
            ),
          ),
        () =>
          h(
            'figure',
            { class: 'card' },
            h('figcaption', {}, `Dropped fraction (${request.capacityPolicy}, ${capacityKnob(request.capacityPolicy)} ${request.capacityFactor})`),
            stepsChart([{ name: 'dropped / (T·k)', values: dropped }], { width: half, height: 170, yLabel: '↑ dropped' }),
          ),
        () =>
          h(
            'figure',
            { class: 'card' },
            h('figcaption', {}, 'All-to-all traffic: token copies per token leaving the home rank / node'),
            stepsChart(
              [
                { name: 'off rank', values: offRank },
                { name: 'off node', values: offNode },
              ],
              { width: half, height: 170, yLabel: '↑ copies per token' },
            ),
          ),
        ...(layers > 0
          ? [
              heatmap(meanStatic, 'Mean load per layer × rank, before EPLB (logical experts, linear placement)', 'heatmap-static'),
              heatmap(
                meanDeployed,
                request.eplb.enabled
                  ? 'Mean load per layer × rank, after EPLB (the deployed map, replicas included)'
                  : 'Mean load per layer × rank on the deployed map (EPLB off)',
                'heatmap-deployed',
              ),
            ]
          : []),
      ]
      const built: HTMLElement[] = []
      for (const [i, part] of parts.entries()) {
        await nextTask()
        if (seq !== drawSeq) return
        const start = performance.now()
        built.push(part())
        performance.measure(`routesim:scenario-chart-${i}`, { start })
      }
      charts.replaceChildren(...built)
      if (final) await chartsReady(charts)
      if (final) document.body.dataset['rendered'] = `s${steps.length}`
    }
    run.disabled = true
    cancel.disabled = false
    ctx.ranOn(`${backendName}: opening…`)
    status.classList.remove('error')
    status.textContent = 'Running…'
    progress.value = 0
    const job = ctx.engine.scenario(request, backendName, (step) => {
      if (steps.length === 0) ctx.ranOn(step.ranOn)
      steps.push(step)
      heatStatic ??= new Float64Array(step.staticRankLoads.length)
      heatDeployed ??= new Float64Array(step.deployedRankLoads.length)
      for (let i = 0; i < heatStatic.length; i++) heatStatic[i]! += step.staticRankLoads[i]!
      for (let i = 0; i < heatDeployed.length; i++) heatDeployed[i]! += step.deployedRankLoads[i]!
      progress.max = step.steps
      progress.value = step.step + 1
      status.textContent = `Step ${step.step + 1} of ${step.steps}`
      // Redraw about once a second: drawing is main-thread work (each chart its own task), routing is not.
      if (performance.now() - lastDraw > 1000) {
        lastDraw = performance.now()
        draw(false)
      }
    })
    cancelRunning = job.cancel
    cancel.onclick = () => job.cancel()
    job.done
      .then((summary) => {
        draw(true)
        const b = summary.balancedness
        const rows: [string, number][] = [
          ['balancedness before EPLB (static, per-layer mean)', b.static.perLayerMean],
          ['balancedness after EPLB (deployed, per-layer mean)', b.deployed.perLayerMean],
          ['balancedness, token-weighted (deployed)', b.deployed.tokenWeighted],
          ['worst layer-step balancedness (deployed)', b.deployed.min],
          ['max ÷ mean expert load (mean over layers, steps)', summary.load.maxOverMean],
          ...summary.drops.map((d): [string, number] => [`dropped fraction, ${d.label}`, d.droppedFraction]),
          ['token copies leaving the home rank, per token', summary.traffic.copiesLeavingRankPerToken],
          ['token copies leaving the home node, per token', summary.traffic.copiesLeavingNodePerToken],
          ['EPLB rearrangements', summary.eplb.rebalances],
          ['expert weights moved by EPLB', summary.eplb.expertTransfers],
        ]
        summaryBox.replaceChildren(
          h(
            'table',
            { class: 'metrics', 'data-testid': 'scenario-summary' },
            h('caption', {}, `${summary.name}: ${summary.tokenLayers.toLocaleString('en')} token-layers`),
            h('tbody', {}, ...rows.map(([k, v]) => h('tr', {}, h('th', { scope: 'row' }, k), h('td', { 'data-value': String(v) }, fmt(v, 4))))),
          ),
        )
        status.textContent = `Done: ${summary.steps} steps × ${summary.tokensPerStep} tokens × ${summary.layers} layers.`
      })
      .catch((error: unknown) => {
        draw(true)
        const cancelled = (error as { cancelled?: boolean }).cancelled === true
        status.textContent = cancelled ? `Cancelled after ${steps.length} steps.` : error instanceof Error ? error.message : String(error)
        if (!cancelled) status.classList.add('error')
      })
      .finally(() => {
        run.disabled = false
        cancel.disabled = true
        cancelRunning = undefined
      })
  })
}
