/**
 * The demo's one-click protocols: drug schedules for the linked tissues, each a drug-free baseline
 * followed by the drug phases of Belmer et al. 2018 (the findings table of README.md) at the demo's
 * time scale. Data, and the lookup by id; the worker applies each phase at its exact grid step and
 * pauses at the end (src/worker/pacing.ts).
 */
import { DPAT_K_nM, DRUGS, THERAPEUTIC_OCCUPANCY, doseForOccupancy, roundDose, type DrugName } from '../model/drugs.js';
import { ConfigError } from '../model/errors.js';
import type { ProtocolInfo } from './protocol.js';

const dose = (name: DrugName, nM: number) => `${name} ${nM} nM`;

function steps(id: string, title: string, doc: string, baselineS: number, drug: DrugName, levels: number[], stepS: number): ProtocolInfo {
  if (!(drug in DRUGS)) throw new Error(`protocol ${id}: unknown drug ${drug}`);
  return {
    id,
    title,
    doc,
    phases: [
      { name: 'baseline', startS: 0, doses: {} },
      ...levels.map((nM, i) => ({ name: dose(drug, nM), startS: baselineS + i * stepS, doses: { [drug]: nM } })),
    ],
    endS: baselineS + levels.length * stepS,
  };
}

/** The SSRI challenge's dose: the therapeutic SERT occupancy (F3's). */
const SSRI_NM = doseForOccupancy('fluoxetine', THERAPEUTIC_OCCUPANCY);
/** The agonist steps: half-decades around 8-OH-DPAT's IC50 on firing (F7's series in multiples of its K). */
const DPAT_STEPS = [0.03, 0.1, 0.3, 1, 3].map((m) => roundDose(m * DPAT_K_nM));

export const PROTOCOLS: ProtocolInfo[] = [
  steps(
    'ssri',
    'SSRI challenge',
    `baseline 10 s, then fluoxetine ${SSRI_NM} nM (${THERAPEUTIC_OCCUPANCY * 100}% SERT occupancy) for 30 s: probe 5-HT rises several-fold in the wild type, much less in the Htr2b 5-HTKO (F3, F4)`,
    10,
    'fluoxetine',
    [SSRI_NM],
    30,
  ),
  steps(
    'dpat',
    '5-HT1A agonist',
    `baseline 8 s, then 8-OH-DPAT ${DPAT_STEPS.join(', ')} nM, 6 s each: firing falls to near silence (F7)`,
    8,
    '8-oh-dpat',
    DPAT_STEPS,
    6,
  ),
  steps(
    'bw',
    '5-HT2B agonist',
    'baseline 10 s, then BW723C86 100 nM for 20 s: firing rises in the wild type, not in the Htr2b 5-HTKO (F6)',
    10,
    'bw723c86',
    [100],
    20,
  ),
];

export const PROTOCOL_IDS = PROTOCOLS.map((p) => p.id);

/** The protocol of an id, or null for none (a free run). */
export function checkProtocol(id: unknown): ProtocolInfo | null {
  if (id === null || id === undefined) return null;
  const p = typeof id === 'string' ? PROTOCOLS.find((x) => x.id === id) : undefined;
  if (!p)
    throw new ConfigError('protocol', `unknown protocol ${JSON.stringify(id)}; allowed: ${PROTOCOL_IDS.join(', ')} or null (free run)`);
  return p;
}
