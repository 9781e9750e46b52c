/**
 * The cells in 3-D, coloured by recent activity (Hz, exponentially weighted), drawn on a 2-D canvas
 * with a gl-matrix camera: drag to rotate (it turns slowly by itself until touched), wheel to zoom.
 */
import { mat4, vec3 } from 'gl-matrix';
import { COLORS, css, fit, inferno } from './common.js';

const BUCKETS = 24;

export class Cells3DView {
  private pos: Float32Array = new Float32Array(0);
  private act: Float32Array = new Float32Array(0);
  private center = vec3.create();
  private radius = 1;
  private yaw = 0.6;
  private pitch = -0.5;
  private zoom = 1;
  private auto = true;
  private readonly mvp = mat4.create();
  private readonly view = mat4.create();
  private readonly proj = mat4.create();
  private readonly model = mat4.create();
  private buckets: number[][] = Array.from({ length: BUCKETS }, () => []);
  private lastWall = 0;
  /** Colour scale top, Hz. */
  actMax = 3;
  /** Which tissue is shown, for the title. */
  label = '';

  constructor(private readonly canvas: HTMLCanvasElement) {
    let drag: { x: number; y: number } | null = null;
    canvas.addEventListener('pointerdown', (e) => {
      drag = { x: e.clientX, y: e.clientY };
      this.auto = false;
      canvas.setPointerCapture(e.pointerId);
    });
    canvas.addEventListener('pointermove', (e) => {
      if (!drag) return;
      this.yaw += (e.clientX - drag.x) * 0.01;
      this.pitch = Math.max(-1.5, Math.min(1.5, this.pitch + (e.clientY - drag.y) * 0.01));
      drag = { x: e.clientX, y: e.clientY };
    });
    canvas.addEventListener('pointerup', () => (drag = null));
    canvas.addEventListener(
      'wheel',
      (e) => {
        e.preventDefault();
        this.zoom = Math.max(0.4, Math.min(4, this.zoom * Math.exp(-e.deltaY * 0.001)));
      },
      { passive: false },
    );
    canvas.addEventListener('dblclick', () => (this.auto = true));
    // keyboard: arrows rotate, + and - zoom (the canvas is focusable with Tab)
    canvas.addEventListener('keydown', (e) => {
      const turn: Record<string, [number, number]> = {
        ArrowLeft: [-0.1, 0],
        ArrowRight: [0.1, 0],
        ArrowUp: [0, -0.1],
        ArrowDown: [0, 0.1],
      };
      if (turn[e.key]) this.rotate(...turn[e.key]);
      else if (e.key === '+' || e.key === '=') this.zoom = Math.min(4, this.zoom * 1.1);
      else if (e.key === '-') this.zoom = Math.max(0.4, this.zoom / 1.1);
      else return;
      e.preventDefault();
    });
  }

  reset(pos: Float32Array, box: [number, number, number]): void {
    this.pos = pos;
    this.act = new Float32Array(pos.length / 3);
    vec3.set(this.center, box[0] / 2, box[1] / 2, box[2] / 2);
    this.radius = 0.5 * Math.hypot(box[0], box[1], box[2]);
  }

  setActivity(a: Float32Array): void {
    if (a.length === this.act.length) this.act = a;
  }

  /** Rotation angles (for tests and the page's state). */
  angles(): { yaw: number; pitch: number } {
    return { yaw: this.yaw, pitch: this.pitch };
  }

  rotate(dYaw: number, dPitch: number): void {
    this.auto = false;
    this.yaw += dYaw;
    this.pitch = Math.max(-1.5, Math.min(1.5, this.pitch + dPitch));
  }

  draw(now: number): void {
    const dtW = this.lastWall ? Math.min(0.1, (now - this.lastWall) / 1000) : 0;
    this.lastWall = now;
    if (this.auto) this.yaw += dtW * 0.25;
    const { ctx, w, h, dpr } = fit(this.canvas);
    ctx.fillStyle = COLORS.panel;
    ctx.fillRect(0, 0, w, h);
    const n = this.act.length;
    // camera: model = rotate(pitch) rotate(yaw) translate(-center); view at distance ~1.9 r
    mat4.identity(this.model);
    mat4.rotateX(this.model, this.model, this.pitch);
    mat4.rotateY(this.model, this.model, this.yaw);
    mat4.translate(this.model, this.model, vec3.negate(vec3.create(), this.center));
    mat4.lookAt(this.view, [0, 0, (1.9 * this.radius) / this.zoom], [0, 0, 0], [0, 1, 0]);
    mat4.perspective(this.proj, Math.PI / 4, w / h, this.radius * 0.1, this.radius * 10);
    mat4.multiply(this.mvp, this.proj, this.view);
    mat4.multiply(this.mvp, this.mvp, this.model);
    const m = this.mvp;
    for (const b of this.buckets) b.length = 0;
    const P = this.pos;
    const A = this.act;
    const sx = new Float32Array(n);
    const sy = new Float32Array(n);
    const sz = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const x = P[3 * i];
      const y = P[3 * i + 1];
      const z = P[3 * i + 2];
      const cw = m[3] * x + m[7] * y + m[11] * z + m[15];
      if (cw <= 0) continue;
      sx[i] = (((m[0] * x + m[4] * y + m[8] * z + m[12]) / cw) * 0.5 + 0.5) * w;
      sy[i] = (0.5 - ((m[1] * x + m[5] * y + m[9] * z + m[13]) / cw) * 0.5) * h;
      sz[i] = cw;
      const k = Math.min(BUCKETS - 1, Math.floor((A[i] / this.actMax) * BUCKETS));
      this.buckets[Math.max(0, k)].push(i);
    }
    const ref = (1.9 * this.radius) / this.zoom;
    for (let k = 0; k < BUCKETS; k++) {
      const b = this.buckets[k];
      if (!b.length) continue;
      ctx.fillStyle = css(inferno(0.12 + (0.88 * (k + 0.5)) / BUCKETS));
      const base = (1.6 + (1.6 * k) / BUCKETS) * dpr * Math.sqrt(this.zoom);
      for (const i of b) {
        const s = (base * ref) / sz[i];
        ctx.fillRect(sx[i] - s / 2, sy[i] - s / 2, s, s);
      }
    }
    ctx.font = `${11 * dpr}px system-ui, sans-serif`;
    ctx.fillStyle = COLORS.text;
    ctx.textAlign = 'left';
    ctx.textBaseline = 'top';
    ctx.fillText(
      `${this.label}${this.label ? ': c' : 'C'}ells by recent activity (${n} cells; drag or arrow keys to rotate, wheel to zoom)`,
      8 * dpr,
      4 * dpr,
    );
    // legend
    const lw = 120 * dpr;
    const lx = w - lw - 10 * dpr;
    const ly = h - 22 * dpr;
    for (let k = 0; k < 48; k++) {
      ctx.fillStyle = css(inferno(0.12 + (0.88 * k) / 47));
      ctx.fillRect(lx + (k * lw) / 48, ly, lw / 48 + 1, 8 * dpr);
    }
    ctx.fillStyle = COLORS.dim;
    ctx.textBaseline = 'top';
    ctx.fillText('0', lx, ly + 10 * dpr);
    ctx.textAlign = 'right';
    ctx.fillText(`≥ ${this.actMax} Hz`, lx + lw, ly + 10 * dpr);
  }
}
