import { afterEach, beforeEach, vi } from "vitest";

/**
 * Fake `setTimeout`, stepped to its next timer every real millisecond: the waits Octokit's throttling and retry
 * plugins schedule (Bottleneck spaces writes 1 s and comment creations 3 s apart, and waits out retry-after) pass
 * at once, while real HTTP to the local fake GitHub goes on. `Date` is faked with them, so the time a test reads
 * is the time the plugins waited. The waits still happen in order; no test sleeps.
 */
export function fastTimers(): void {
  let pump: ReturnType<typeof setInterval> | undefined;
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
    pump = setInterval(() => {
      if (vi.getTimerCount() > 0) void vi.advanceTimersToNextTimerAsync();
    }, 1);
  });
  afterEach(() => {
    clearInterval(pump);
    vi.useRealTimers();
  });
}
