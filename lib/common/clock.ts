// Injectable time, so that idle rules of hours and days are tested without waiting.
export interface Clock {
  now(): number
}

export const systemClock: Clock = { now: () => Date.now() }
