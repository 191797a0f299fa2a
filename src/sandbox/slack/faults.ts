/**
 * Fault injection for the fake Slack: random 429s and 5xx answers drawn from a seeded generator
 * (the same seed and the same call sequence give the same faults), and optional per-method rate
 * limits such as Slack's "about one message per second per channel" for chat.postMessage.
 */

export interface MethodLimit {
  /** Calls allowed in any one-second window. */
  perSecond: number;
  /** Count calls per channel (like chat.postMessage) rather than per method. */
  perChannel?: boolean;
}

export interface FaultOptions {
  /** Share of calls answered 429 `ratelimited`, 0..1. */
  rateLimitRate?: number;
  /** The `Retry-After` header sent with injected 429s (seconds, default 1). */
  retryAfterSeconds?: number;
  /** Share of calls answered with an HTTP 500 or 503, 0..1. */
  errorRate?: number;
  seed?: number;
  methodLimits?: Record<string, MethodLimit>;
}

export type FaultDecision =
  | { kind: 'none' }
  | { kind: 'ratelimited'; retryAfterSeconds: number }
  | { kind: 'server-error'; status: 500 | 503 };

/** Mulberry32: tiny, fast and good enough to spread faults evenly. */
function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return function nextRandom() {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export interface FaultInjector {
  configure(options: FaultOptions): void;
  decide(method: string, channel: string | undefined, nowMs: number): FaultDecision;
}

/**
 * A fault injector; by default it injects nothing.
 *
 * @example
 * const faults = createFaultInjector();
 * faults.configure({ rateLimitRate: 0.2, retryAfterSeconds: 1, seed: 7 });
 * faults.decide('chat.postMessage', 'C0FLEET001', Date.now()); // { kind: 'none' } or a fault
 */
export function createFaultInjector(): FaultInjector {
  let options: FaultOptions = {};
  let random = createRandom(0);
  const windows = new Map<string, number[]>();

  function configure(next: FaultOptions): void {
    options = { ...next };
    random = createRandom(next.seed ?? 0);
    windows.clear();
  }

  function decideLimit(method: string, channel: string | undefined, nowMs: number): FaultDecision {
    const limit = options.methodLimits?.[method];
    if (!limit) return { kind: 'none' };
    const key = limit.perChannel ? `${method}:${channel ?? ''}` : method;
    const recent = (windows.get(key) ?? []).filter((at) => at > nowMs - 1_000);
    if (recent.length >= limit.perSecond) {
      windows.set(key, recent);
      const waitMs = recent[0] + 1_000 - nowMs;
      return { kind: 'ratelimited', retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1_000)) };
    }
    recent.push(nowMs);
    windows.set(key, recent);
    return { kind: 'none' };
  }

  function decide(method: string, channel: string | undefined, nowMs: number): FaultDecision {
    // Draw both numbers on every call so one rate does not shift the other's sequence.
    const rateLimitDraw = random();
    const errorDraw = random();
    if (rateLimitDraw < (options.rateLimitRate ?? 0)) {
      return { kind: 'ratelimited', retryAfterSeconds: options.retryAfterSeconds ?? 1 };
    }
    if (errorDraw < (options.errorRate ?? 0)) {
      return { kind: 'server-error', status: errorDraw < (options.errorRate ?? 0) / 2 ? 500 : 503 };
    }
    return decideLimit(method, channel, nowMs);
  }

  return { configure, decide };
}
