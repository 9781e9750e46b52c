/**
 * What the parts of the demo page share: the state (demo/state.ts, as the URL holds it), the worker's
 * handle, the store of traces, the views, the latest info and layout the worker sent; and the small
 * helpers each part uses (an element by id, the notice and busy lines, the URL kept in step with the
 * state, a tissue's name). The model is reached only through the worker's protocol.
 */
import type { Remote } from 'comlink';
import { TISSUE_LABELS, type Layout, type SimApi, type SimInfo, type TissueSpec } from '../src/worker/protocol.js';
import { EXPRESSION_KEYS, serializeState, type PageState } from './state.js';
import type { Store } from './store.js';
import type { Cells3DView } from './views/cells3d.js';
import type { GridView } from './views/grid.js';
import type { RasterView } from './views/raster.js';
import type { TraceView } from './views/trace.js';

export const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
export const LABELS = TISSUE_LABELS;
export const TISSUE_COLORS = ['#7fd3ff', '#f28e6b'];
export const MARK_COLOR = '#d9a441';
export const EXPRESSION_NAMES: Record<string, string> = { htr1aExpression: '5-HT1A', htr2bExpression: '5-HT2B', sertExpression: 'SERT' };

export interface Views {
  probe: TraceView;
  pct: TraceView;
  rate: TraceView;
  rasters: RasterView[];
  grids: GridView[];
  cells: Cells3DView;
}

export interface Page {
  state: PageState;
  store: Store;
  views: Views;
  sim: Remote<SimApi>;
  /** What the worker can do (set once it has started). */
  info?: SimInfo;
  /** The current build's geometry and tissues. */
  layout?: Layout;
  /** Whether the worker runs, as the page last knew. */
  running: boolean;
  /** The tissue whose recent activity the 3-D view shows. */
  cellsTissue: number;
  /** Shows an error and keeps it for tests. */
  fail(e: unknown): void;
}

export function showNotice(text: string): void {
  const n = $('notice');
  n.textContent = text;
  n.classList.toggle('show', !!text);
}

/** Shows `what` in the busy line while `p` runs. */
export async function busy<T>(what: string, p: Promise<T>): Promise<T> {
  $('busy').textContent = what;
  try {
    return await p;
  } finally {
    $('busy').textContent = '';
  }
}

/** The URL (and the permalink) say what the state is. */
export function syncUrl(state: PageState): void {
  const q = serializeState(state);
  const url = `${location.pathname}?${q.toString()}`;
  history.replaceState(null, '', url);
  $<HTMLAnchorElement>('permalink').href = url;
}

/** " (5-HT2B ×0.5)" for the expression levels of tissue k that are not the wild type's, else "". */
export function exprText(state: PageState, k: number): string {
  const t = state.tissues[k];
  const parts = EXPRESSION_KEYS.filter(([f]) => t[f] !== 1).map(([f]) => `${EXPRESSION_NAMES[f]} ×${t[f]}`);
  return parts.length ? ` (${parts.join(', ')})` : '';
}

export const tissueName = (state: PageState, k: number) => `${LABELS[k]}: ${state.tissues[k].genotype}${exprText(state, k)}`;

/** The tissues the state runs, as the worker takes them. */
export function specs(state: PageState): TissueSpec[] {
  return state.tissues.slice(0, state.count).map((t) => ({
    genotype: t.genotype,
    htr1aExpression: t.htr1aExpression,
    htr2bExpression: t.htr2bExpression,
    sertExpression: t.sertExpression,
    linked: t.linked,
    doses: { ...t.doses },
  }));
}

/** The state's tissues again, rebuilt by the worker (time back to 0). */
export function rebuildTissues(page: Page): void {
  syncUrl(page.state);
  void busy('rebuilding…', page.sim.setTissues(specs(page.state))).catch(page.fail);
}
