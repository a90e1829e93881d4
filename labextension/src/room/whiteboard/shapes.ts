/**
 * The whiteboard's shapes: what the shared `Y.Map` named `shapes` holds
 * (shape id -> one plain object per shape; `documents.py` on the server
 * describes the same format), and pure functions on them: checking values
 * from other clients, bounds, hit tests, moving, and SVG (the export draws
 * what the server's `whiteboard.svg` draws). Unit-tested.
 */

export type ShapeType = 'pen' | 'line' | 'arrow' | 'rect' | 'ellipse' | 'text';
export const SHAPE_TYPES: readonly ShapeType[] = [
  'pen',
  'line',
  'arrow',
  'rect',
  'ellipse',
  'text'
];

export interface IShape {
  type: ShapeType;
  /** x0, y0, x1, y1, ...: the stroke (pen), from and to (line, arrow), two corners (rect, ellipse), the anchor (text). */
  points: number[];
  /** `#rgb` or `#rrggbb`. */
  color: string;
  /** Stroke width in px. */
  width: number;
  /** Drawing order: higher on top (ties by id). */
  z: number;
  /** Who drew it (shown, not trusted). */
  author: string;
  text?: string;
  /** Font size of a text, in px. */
  size?: number;
}

export interface IBox {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

const COLOR = /^#[0-9a-fA-F]{3}([0-9a-fA-F]{3})?$/;

function num(value: unknown, fallback: number): number {
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(n) ? n : fallback;
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(Math.max(value, low), high);
}

/** The shape in `value`, its values checked and clamped; `null` if it is not one. */
export function parseShape(value: unknown): IShape | null {
  if (typeof value !== 'object' || value === null) {
    return null;
  }
  const v = value as Record<string, unknown>;
  if (!SHAPE_TYPES.includes(v.type as ShapeType) || !Array.isArray(v.points)) {
    return null;
  }
  const points = v.points
    .slice(0, v.points.length - (v.points.length % 2))
    .map(p => num(p, 0));
  if (points.length < 2) {
    return null;
  }
  const shape: IShape = {
    type: v.type as ShapeType,
    points,
    color:
      typeof v.color === 'string' && COLOR.test(v.color) ? v.color : '#222222',
    width: clamp(num(v.width, 2), 0.5, 64),
    z: num(v.z, 0),
    author: typeof v.author === 'string' ? v.author : ''
  };
  if (shape.type === 'text') {
    shape.text = String(v.text ?? '').slice(0, 2000);
    shape.size = clamp(num(v.size, 16), 6, 200);
  }
  return shape;
}

/** Shapes in drawing order, bottom first. */
export function sortShapes(
  entries: Iterable<[string, IShape]>
): Array<[string, IShape]> {
  return [...entries].sort(([a, s], [b, t]) =>
    s.z !== t.z ? s.z - t.z : a < b ? -1 : a > b ? 1 : 0
  );
}

export function bounds(shape: IShape): IBox {
  const xs = shape.points.filter((_, i) => i % 2 === 0);
  const ys = shape.points.filter((_, i) => i % 2 === 1);
  if (shape.type === 'text') {
    const size = shape.size ?? 16;
    const lines = (shape.text ?? '').split('\n');
    const width = Math.max(...lines.map(l => l.length)) * size * 0.6;
    const x = xs[0] ?? 0;
    const y = ys[0] ?? 0;
    return {
      x0: x,
      y0: y - size,
      x1: x + width,
      y1: y + size * (lines.length - 1) + size * 0.3
    };
  }
  const pad = shape.width / 2;
  return {
    x0: Math.min(...xs) - pad,
    y0: Math.min(...ys) - pad,
    x1: Math.max(...xs) + pad,
    y1: Math.max(...ys) + pad
  };
}

function distanceToSegment(
  px: number,
  py: number,
  x0: number,
  y0: number,
  x1: number,
  y1: number
): number {
  const dx = x1 - x0;
  const dy = y1 - y0;
  const length = dx * dx + dy * dy;
  const t =
    length === 0 ? 0 : clamp(((px - x0) * dx + (py - y0) * dy) / length, 0, 1);
  return Math.hypot(px - (x0 + t * dx), py - (y0 + t * dy));
}

/** Whether the point (x, y) touches the shape, within `tolerance` px. */
export function hitTest(
  shape: IShape,
  x: number,
  y: number,
  tolerance = 6
): boolean {
  const p = shape.points;
  const reach = tolerance + shape.width / 2;
  switch (shape.type) {
    case 'pen':
    case 'line':
    case 'arrow': {
      if (p.length === 2) {
        return Math.hypot(x - p[0]!, y - p[1]!) <= reach;
      }
      for (let i = 0; i + 3 < p.length; i += 2) {
        if (
          distanceToSegment(x, y, p[i]!, p[i + 1]!, p[i + 2]!, p[i + 3]!) <=
          reach
        ) {
          return true;
        }
      }
      return false;
    }
    case 'rect': {
      const b = bounds(shape);
      const inside =
        x >= b.x0 - reach &&
        x <= b.x1 + reach &&
        y >= b.y0 - reach &&
        y <= b.y1 + reach;
      const strictlyInside =
        x > b.x0 + reach &&
        x < b.x1 - reach &&
        y > b.y0 + reach &&
        y < b.y1 - reach;
      return inside && !strictlyInside;
    }
    case 'ellipse': {
      const [x0 = 0, y0 = 0, x1 = x0, y1 = y0] = p;
      const rx = Math.abs(x1 - x0) / 2;
      const ry = Math.abs(y1 - y0) / 2;
      const cx = (x0 + x1) / 2;
      const cy = (y0 + y1) / 2;
      if (rx === 0 || ry === 0) {
        return distanceToSegment(x, y, x0, y0, x1, y1) <= reach;
      }
      // distance from the outline, approximately (scaled to the nearer radius)
      const r = Math.hypot((x - cx) / rx, (y - cy) / ry);
      return Math.abs(r - 1) * Math.min(rx, ry) <= reach;
    }
    case 'text': {
      const b = bounds(shape);
      return x >= b.x0 && x <= b.x1 && y >= b.y0 && y <= b.y1;
    }
  }
}

/** The shape moved by (dx, dy). */
export function translate(shape: IShape, dx: number, dy: number): IShape {
  return {
    ...shape,
    points: shape.points.map((v, i) => v + (i % 2 === 0 ? dx : dy))
  };
}

// -- SVG -------------------------------------------------------------------------

function fmt(n: number): string {
  return String(Math.round(n * 100) / 100);
}

function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

/**
 * One shape as an SVG element (its values already checked by `parseShape`);
 * with `id`, the element carries it as `data-shape-id`.
 */
export function shapeSvg(shape: IShape, id?: string): string {
  const p = shape.points;
  const tag = id === undefined ? '' : ` data-shape-id="${escapeXml(id)}"`;
  const stroke =
    (tag ? `${tag.slice(1)} ` : '') +
    `stroke="${shape.color}" stroke-width="${fmt(shape.width)}"`;
  const [x0 = 0, y0 = 0] = p;
  const x1 = p[2] ?? x0;
  const y1 = p[3] ?? y0;
  switch (shape.type) {
    case 'pen': {
      const pairs: string[] = [];
      for (let i = 0; i + 1 < p.length; i += 2) {
        pairs.push(`${fmt(p[i]!)},${fmt(p[i + 1]!)}`);
      }
      return `<polyline points="${pairs.join(' ')}" fill="none" ${stroke} stroke-linecap="round" stroke-linejoin="round"/>`;
    }
    case 'line':
    case 'arrow': {
      const marker = shape.type === 'arrow' ? ' marker-end="url(#arrow)"' : '';
      return `<line x1="${fmt(x0)}" y1="${fmt(y0)}" x2="${fmt(x1)}" y2="${fmt(y1)}" ${stroke} stroke-linecap="round" color="${shape.color}"${marker}/>`;
    }
    case 'rect':
      return `<rect x="${fmt(Math.min(x0, x1))}" y="${fmt(Math.min(y0, y1))}" width="${fmt(Math.abs(x1 - x0))}" height="${fmt(Math.abs(y1 - y0))}" fill="none" ${stroke}/>`;
    case 'ellipse':
      return `<ellipse cx="${fmt((x0 + x1) / 2)}" cy="${fmt((y0 + y1) / 2)}" rx="${fmt(Math.abs(x1 - x0) / 2)}" ry="${fmt(Math.abs(y1 - y0) / 2)}" fill="none" ${stroke}/>`;
    case 'text': {
      const size = shape.size ?? 16;
      const lines = (shape.text ?? '')
        .split('\n')
        .map(
          (line, i) =>
            `<tspan x="${fmt(x0)}" dy="${fmt(i ? size : 0)}">${escapeXml(line)}</tspan>`
        )
        .join('');
      return `<text${tag} x="${fmt(x0)}" y="${fmt(y0)}" fill="${shape.color}" font-size="${fmt(size)}" font-family="sans-serif">${lines}</text>`;
    }
  }
}

/** The arrowhead that arrows refer to (`marker-end="url(#arrow)"`). */
export const ARROW_MARKER =
  '<marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="context-stroke"/></marker>';

/** The whole board as a standalone SVG image, cropped to its shapes. */
export function boardSvg(shapes: Array<[string, IShape]>): string {
  const sorted = sortShapes(shapes);
  let box: IBox = { x0: 0, y0: 0, x1: 320, y1: 200 };
  if (sorted.length > 0) {
    const boxes = sorted.map(([, s]) => bounds(s));
    box = {
      x0: Math.min(...boxes.map(b => b.x0)) - 16,
      y0: Math.min(...boxes.map(b => b.y0)) - 16,
      x1: Math.max(...boxes.map(b => b.x1)) + 16,
      y1: Math.max(...boxes.map(b => b.y1)) + 16
    };
  }
  const width = box.x1 - box.x0;
  const height = box.y1 - box.y0;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="${fmt(box.x0)} ${fmt(box.y0)} ${fmt(width)} ${fmt(height)}" width="${fmt(width)}" height="${fmt(height)}">`,
    `<defs>${ARROW_MARKER}</defs>`,
    `<rect x="${fmt(box.x0)}" y="${fmt(box.y0)}" width="100%" height="100%" fill="#ffffff"/>`,
    ...sorted.map(([, s]) => shapeSvg(s)),
    '</svg>',
    ''
  ].join('\n');
}
