/**
 * A dose schedule: the drug doses each simulation takes, as events at grid steps. It is the one shape of
 * a protocol between its sources and the engine: a scenario's phases (durations) and the demo's
 * protocol phases (start times) become events here (the conversions below), and the clock (clock.ts)
 * applies each event at its step, before the chunk that starts there. Doses held for a whole run (a
 * finding's condition, a chronic treatment) are the engine's starting doses: no event.
 */
import type { DrugDoses } from '../model/drugs.js';
import type { Phase } from '../model/scenario.js';

export interface DoseEvent {
  /** Grid step from the clock's start at which the doses take effect. */
  step: number;
  /** The simulation of the batch it applies to; absent: every simulation. */
  sim?: number;
  doses: DrugDoses;
  /** What the event is called (a phase name), for marks on plots. */
  name?: string;
}

/** Grid steps of each phase (its duration rounded to the grid step). */
export function phaseSteps(phases: readonly Pick<Phase, 'durationS'>[], dtS: number): number[] {
  return phases.map((ph) => Math.round(ph.durationS / dtS));
}

/**
 * A scenario's phases as dose events of simulation `sim`: one at the start of each phase, the phases
 * `steps` grid steps long. The first (step 0) holds the doses the engine is created with.
 */
export function phaseEvents(phases: readonly Phase[], steps: readonly number[], sim?: number): DoseEvent[] {
  let at = 0;
  return phases.map((ph, i) => {
    const ev: DoseEvent = { step: at, doses: ph.doses, name: ph.name, ...(sim === undefined ? {} : { sim }) };
    at += steps[i];
    return ev;
  });
}

/**
 * Phases given by their start times (the demo's protocols: a phase from startS on, s from the start)
 * as dose events, at the grid step nearest each start.
 */
export function timedEvents(phases: readonly { name?: string; startS: number; doses: DrugDoses }[], dtS: number): DoseEvent[] {
  return phases.map((ph) => ({ step: Math.round(ph.startS / dtS), doses: ph.doses, ...(ph.name === undefined ? {} : { name: ph.name }) }));
}

/** The doses a schedule gives simulation `sim` at step 0 (what its engine starts with); none: {}. */
export function startDoses(events: readonly DoseEvent[], sim = 0): DrugDoses {
  let out: DrugDoses = {};
  for (const ev of events) if (ev.step <= 0 && (ev.sim === undefined || ev.sim === sim)) out = ev.doses;
  return out;
}

/** Events in step order, each handed out once when its step is reached. */
export class Schedule {
  private readonly events: DoseEvent[];
  private next = 0;

  constructor(events: readonly DoseEvent[] = []) {
    for (const ev of events) {
      if (!Number.isInteger(ev.step) || ev.step < 0) throw new Error(`schedule: event step ${ev.step} is not a grid step >= 0`);
    }
    // sort is stable: events at one step keep their order
    this.events = [...events].sort((a, b) => a.step - b.step);
  }

  /** Step of the next event not yet handed out (Infinity when none). */
  nextStep(): number {
    return this.next < this.events.length ? this.events[this.next].step : Infinity;
  }

  /** The events due at `step` (their step reached) not yet handed out, in order. */
  due(step: number): DoseEvent[] {
    const out: DoseEvent[] = [];
    while (this.next < this.events.length && this.events[this.next].step <= step) out.push(this.events[this.next++]);
    return out;
  }
}
