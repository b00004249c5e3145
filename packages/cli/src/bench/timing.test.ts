import { describe, expect, it } from 'vitest'
import { median, timeCalls } from './timing.ts'

describe('median', () => {
  it('takes the middle of an odd list and the mean of the two middles of an even one', () => {
    expect(median([5, 1, 3])).toBe(3)
    expect(median([4, 1, 3, 2])).toBe(2.5)
  })
  it('rejects an empty list', () => {
    expect(() => median([])).toThrow(RangeError)
  })
})

describe('timeCalls', () => {
  it('runs warm-up calls untimed, then reports the median of the timed calls', async () => {
    // A fake clock: each call "takes" the next duration from this list.
    const durations = [100, 100, 7, 3, 5, 9, 1]
    let clock = 0
    let call = 0
    const fn = () => {
      clock += durations[call]!
      return ++call
    }
    const result = await timeCalls(fn, { warmup: 2, reps: 5, now: () => clock })
    expect(result.samplesMs).toEqual([7, 3, 5, 9, 1])
    expect(result.medianMs).toBe(5)
    expect(result.last).toBe(7)
  })

  it('keeps warming up until both the warm-up calls and the warm-up milliseconds are done', async () => {
    let clock = 0
    let calls = 0
    const fn = () => {
      clock += 10
      return ++calls
    }
    // 2 calls would do; 45 ms need 5 calls of 10 ms (the fifth ends at 50 ≥ 45), then 3 timed calls.
    expect((await timeCalls(fn, { warmup: 2, warmupMs: 45, reps: 3, now: () => clock })).last).toBe(8)
    calls = 0
    // 45 ms pass within the 6 warm-up calls: the count decides.
    expect((await timeCalls(fn, { warmup: 6, warmupMs: 45, reps: 3, now: () => clock })).last).toBe(9)
  })

  it('awaits asynchronous calls inside the timed region', async () => {
    let clock = 0
    const fn = async () => {
      await Promise.resolve()
      clock += 4
      return 'done'
    }
    const result = await timeCalls(fn, { warmup: 0, reps: 3, now: () => clock })
    expect(result.samplesMs).toEqual([4, 4, 4])
    expect(result.last).toBe('done')
  })
})
