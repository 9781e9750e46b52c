/**
 * What a WebGPU batch builds once, before its first step: the dispatch shapes of its kernels, the spike
 * record's chunk plan, its storage with the sims' first contents, the division choice, the compiled
 * pipelines and their bind groups. Pure set-up: the batch (batch.ts) keeps what this returns and never
 * changes it afterwards, except the ping-pong index and the samples buffer.
 */
import type { Constants, Model } from '../../model/derive.js';
import type { EngineOptions } from '../engine.js';
import type { BatchBuffers } from './buffers.js';
import { kernelPipelines, needsExactDivision, REL_PER_THREAD, WG_GRID, WG_NEURONS, type KernelName } from './kernels.js';
import { KernelProfiler } from './profile.js';
import { allocateStorage, stepBindGroups, uploadInitial, type BatchStorage, type StepKernel } from './setup.js';
import {
  checkConstantsFit,
  dispatchFor,
  planSpikeRecord,
  splitHint,
  tissueSizes,
  type BatchShape,
  type Dispatch,
  type Limits,
} from './sizing.js';
import { wgslHeader } from './wgsl-header.js';

export interface BatchDevice {
  relThreads: number;
  nPart: number;
  dCells: Dispatch;
  dVox: Dispatch;
  /** One thread per box voxel (the release field's passes). */
  dBox: Dispatch;
  dRel: Dispatch;
  dReduce: Dispatch;
  dFinalize: Dispatch;
  /** Grid steps per drained chunk of the spike record (Infinity without spike recording). */
  recChunk: number;
  /** Spike record capacity, spikes (0 without spike recording). */
  recCap: number;
  buf: BatchStorage;
  divisionMode: string;
  pipes: Record<KernelName, GPUComputePipeline>;
  bg: Record<StepKernel, GPUBindGroup[]>;
  profiler: KernelProfiler | null;
  /** Each sim's warm-up owed (startState's warmUp) and the control block uploadInitial wrote (warm-up.ts). */
  warmUp: number[];
  ctl0: Uint32Array<ArrayBuffer>;
}

export interface BatchInitInput {
  dev: GPUDevice;
  nSims: number;
  model: Model;
  lim: Limits;
  shape: BatchShape;
  ks: Constants[];
  stepsPerSubmit: number;
  recordSpikes: boolean;
  mem: BatchBuffers;
  dims: Uint32Array<ArrayBuffer>;
  profile: boolean;
  /** Force the exact integer division (tests); default: checked once per device. */
  exactDivision?: boolean;
}

export async function initBatchDevice(sims: EngineOptions[], o: BatchInitInput): Promise<BatchDevice> {
  const { dev, nSims: K, model: m, lim, shape } = o;
  const { n, nBox, relThreads, nPart } = tissueSizes(m);
  const dispatch = (items: number, wg: number) => dispatchFor(items, wg, K, lim.maxDim, () => splitHint(shape));
  const dCells = dispatch(n, WG_NEURONS);
  const dVox = dispatch(m.geometry.inside.length, WG_GRID);
  const dBox = dispatch(nBox, WG_GRID);
  const dRel = dispatch(relThreads, WG_GRID);
  const dReduce = dispatch(nPart, WG_GRID);
  const dFinalize = dispatch(1, 1);
  let recChunk = Infinity;
  let recCap = 0;
  if (o.recordSpikes) {
    const plan = planSpikeRecord(shape, o.ks[0], o.stepsPerSubmit);
    recChunk = plan.chunk;
    recCap = plan.cap;
  }
  checkConstantsFit(shape);
  const buf = allocateStorage(o.mem, shape, recCap);
  const { ctl: ctl0, warmUp } = uploadInitial(dev, buf, sims, o.ks, o.dims, recCap);

  // native `/` where this adapter divides exactly (checked once per device), else the exact divRN
  const exactDiv = await needsExactDivision(dev, o.exactDivision);
  const header = wgslHeader({
    wgNeurons: WG_NEURONS,
    wgGrid: WG_GRID,
    relPerThread: REL_PER_THREAD,
    record: o.recordSpikes,
    exactDiv,
    nSims: K,
  });
  const pipes = await kernelPipelines(dev, header);
  return {
    relThreads,
    nPart,
    dCells,
    dVox,
    dBox,
    dRel,
    dReduce,
    dFinalize,
    recChunk,
    recCap,
    buf,
    divisionMode: exactDiv ? 'exact integer divRN' : 'native (checked exact)',
    pipes,
    bg: stepBindGroups(dev, pipes, buf),
    profiler: o.profile ? new KernelProfiler(dev, o.mem) : null,
    warmUp,
    ctl0,
  };
}
