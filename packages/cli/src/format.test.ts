import { describe, expect, it } from 'vitest'
import { bar, fixed, sparkline, wrap } from './format.ts'
import { expertGrid, extremes, loadHistogram } from './load-table.ts'

describe('format helpers', () => {
  it('draws bars to an eighth of a cell, scaled to the maximum', () => {
    expect(bar(10, 10, 4)).toBe('████')
    expect(bar(5, 10, 4)).toBe('██')
    expect(bar(1, 16, 2)).toBe('▏')
    expect(bar(0, 10, 4)).toBe('')
    expect(bar(3, 0, 4)).toBe('')
  })

  it('draws sparklines relative to the mean (▄ = mean, █ ≥ 2× mean, · = unused)', () => {
    expect(sparkline([4, 4, 4, 4], 1)).toBe('▄▄▄▄')
    expect(sparkline([8, 0, 4, 4], 1)).toBe('█·▄▄')
    expect(sparkline([2, 2, 12, 0], 2)).toBe('▂▆')
  })

  it('prints fixed decimals without negative zero', () => {
    expect(fixed(-0.0001, 2)).toBe('0.00')
    expect(fixed(1.005, 1)).toBe('1.0')
    expect(fixed(Number.NaN, 2)).toBe('–')
  })

  it('wraps prose to the width with an indent', () => {
    const lines = wrap('aa bb cc dd ee', 8, '  ')
    expect(lines).toEqual(['  aa bb', '  cc dd', '  ee'])
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(8)
  })
})

describe('load tables', () => {
  function histogramRows(text: string): string[][] {
    return text
      .split('\n')
      .filter((l) => /^│\s*\d/.test(l))
      .map((l) =>
        l
          .split('│')
          .slice(1, -1)
          .map((c) => c.trim()),
      )
  }

  it('bins even loads linearly, every expert in exactly one bin', () => {
    const counts = Array.from({ length: 100 }, (_, i) => 10 + ((i * 37) % 11)) // 10…20
    const rows = histogramRows(loadHistogram(counts, 5))
    expect(rows.map((r) => r[0])).toEqual(['10–12', '13–14', '15–16', '17–18', '19–20']) // width 11/5 = 2.2
    expect(rows.reduce((a, r) => a + Number(r[2]), 0)).toBe(100)
  })

  it('bins skewed loads in doubling multiples of the mean, with zero loads on their own', () => {
    const counts = [0, 0, 1, 2, 3, 4, 8, 16, 62] // mean 96 / 9 ≈ 10.67
    const rows = histogramRows(loadHistogram(counts))
    expect(rows.map((r) => [r[0], r[2]])).toEqual([
      ['0', '2'],
      ['1', '1'], // [mean/16, mean/8) = [0.67, 1.33)
      ['2', '1'],
      ['3–5', '2'],
      ['6–10', '1'],
      ['11–21', '1'],
      ['22–42', '0'],
      ['43–85', '1'],
    ])
    expect(rows[3]![1]).toBe('1/4–1/2')
  })

  it('uses one bin per value when the loads span fewer values than bins', () => {
    const text = loadHistogram([3, 3, 4, 4, 4], 10)
    const rows = text.split('\n').filter((l) => /^│\s*\d/.test(l))
    expect(rows.map((l) => l.split('│')[1]!.trim())).toEqual(['3', '4'])
    expect(rows.map((l) => Number(l.split('│')[3]!.trim()))).toEqual([2, 3])
  })

  it('lays a grid out row by row, padding the last row', () => {
    const text = expertGrid([1, 2, 3, 4, 5], 2)
    const rows = text.split('\n').filter((l) => /–/.test(l))
    expect(
      rows.map((l) =>
        l
          .split('│')
          .slice(1, -1)
          .map((c) => c.trim()),
      ),
    ).toEqual([
      ['0–1', '1', '2'],
      ['2–3', '3', '4'],
      ['4–4', '5', ''],
    ])
  })

  it('names the hottest and coldest experts, ties to the lower id', () => {
    expect(extremes([5, 9, 1, 9, 1], 2)).toEqual({ hottest: '1:9  3:9', coldest: '2:1  4:1' })
  })
})
